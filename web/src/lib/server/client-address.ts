// The browser's address, passed on to the gateway. Every call of this server to the gateway comes from
// this process's own address; without this, the gateway's and the users service's per-IP limits
// (failed log-ins, sign-ups, refreshes) would count every user of this web replica as one client. The
// gateway believes X-Forwarded-For only from the proxies in its TRUST_PROXY (in the chart: the pod
// network), so a browser cannot choose its address this way.
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<string>();

/** Runs `handle` with `address` as the client address of the gateway calls it makes. */
export function withClientAddress<T>(address: string | undefined, handle: () => T): T {
  return address ? current.run(address, handle) : handle();
}

/** A fetch that adds `x-forwarded-for: <client address>` inside withClientAddress. */
export function forwardingClientAddress(fetchFn: typeof fetch = fetch): typeof fetch {
  return (input, init = {}) => {
    const address = current.getStore();
    if (!address) return fetchFn(input, init);
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', address);
    return fetchFn(input, { ...init, headers });
  };
}
