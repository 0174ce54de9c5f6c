// Service addresses (USERS_ADDR, NOTES_ADDR, …): the three forms a client accepts, checked once.

const HOST_PORT = String.raw`(?:[A-Za-z0-9_](?:[\w.-]*[A-Za-z0-9_])?|\[[\da-fA-F:]+\]):\d{1,5}`;
const IPV4_PORT = String.raw`\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}`;

const FORMS = [
  // host:port: one name (resolved through DNS, all its records) or one literal address.
  new RegExp(`^${HOST_PORT}$`),
  // dns:///host:port: every A/AAAA record of the name (a headless Service), round-robin.
  new RegExp(`^dns:///${HOST_PORT}$`),
  // ipv4:a.b.c.d:port,a.b.c.d:port: a static list, round-robin.
  new RegExp(`^ipv4:${IPV4_PORT}(?:,${IPV4_PORT})*$`),
];

export const SERVICE_ADDRESS_FORMS = 'host:port, dns:///host:port or ipv4:a.b.c.d:port,a.b.c.d:port';

/** Whether `value` is a service address in one of the accepted forms (ports 1..65535). */
export function isServiceAddress(value: string): boolean {
  if (!FORMS.some((form) => form.test(value))) return false;
  const ports = [...value.matchAll(/:(\d{1,5})(?=,|$)/g)].map((match) => Number(match[1]));
  return ports.length > 0 && ports.every((port) => port >= 1 && port <= 65535);
}

/**
 * The grpc-js target of a service address. `host:port` becomes `dns:///host:port`, which is what
 * grpc-js does by default too, written out so every form goes through one resolver per scheme.
 */
export function serviceAddressTarget(address: string): string {
  return /^(dns|ipv4|ipv6|unix):/.test(address) || !isServiceAddress(address) ? address : `dns:///${address}`;
}
