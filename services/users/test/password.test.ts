import { describe, expect, it } from 'vitest';
import { ScryptPasswordHasher } from '../src/password.js';

describe('ScryptPasswordHasher', () => {
  const hasher = new ScryptPasswordHasher();

  it('encodes scrypt with sound default parameters, a 16-byte salt and a 32-byte key', async () => {
    const encoded = await hasher.hash('correct horse');
    const [scheme, log2N, r, p, salt, key] = encoded.split('$');
    expect([scheme, log2N, r, p]).toEqual(['scrypt', '17', '8', '1']);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
  });

  it('verifies the right password only, and salts every hash differently', async () => {
    const [first, second] = await Promise.all([hasher.hash('correct horse'), hasher.hash('correct horse')]);
    expect(first).not.toBe(second);
    expect(await hasher.verify('correct horse', first)).toBe(true);
    expect(await hasher.verify('correct horsE', first)).toBe(false);
    expect(await hasher.verify('', first)).toBe(false);
  });

  it('verifies hashes made with other parameters, read from the encoding', async () => {
    const old = await new ScryptPasswordHasher({ log2N: 14, r: 8, p: 1 }).hash('correct horse');
    expect(old).toMatch(/^scrypt\$14\$8\$1\$/);
    expect(await hasher.verify('correct horse', old)).toBe(true);
  });

  it('treats a malformed encoding as a mismatch', async () => {
    for (const encoded of ['', 'plain', 'bcrypt$10$abc', 'scrypt$17$8$1$c2FsdA==']) {
      expect(await hasher.verify('correct horse', encoded)).toBe(false);
    }
  });
});
