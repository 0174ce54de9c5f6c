import { describe, expect, it } from 'vitest';
import { forwardingClientAddress, withClientAddress } from '../src/lib/server/client-address.js';

describe('forwardingClientAddress', () => {
  const seen: (string | null)[] = [];
  const fake: typeof fetch = async (_input, init) => {
    seen.push(new Headers(init?.headers).get('x-forwarded-for'));
    return new Response(null, { status: 204 });
  };
  const forwarding = forwardingClientAddress(fake);

  it('adds the browser address of the current request, keeping the other headers', async () => {
    seen.length = 0;
    await withClientAddress('203.0.113.7', async () => {
      await Promise.resolve(); // across awaits, as in a load function
      await forwarding('http://gateway/api/me', { headers: { authorization: 'Bearer x' } });
    });
    expect(seen).toEqual(['203.0.113.7']);
  });

  it('keeps concurrent requests apart, and adds nothing outside one', async () => {
    seen.length = 0;
    await Promise.all([
      withClientAddress('198.51.100.1', () => forwarding('http://gateway/a')),
      withClientAddress('198.51.100.2', () => forwarding('http://gateway/b')),
    ]);
    await forwarding('http://gateway/c');
    expect(seen).toEqual(['198.51.100.1', '198.51.100.2', null]);
  });
});
