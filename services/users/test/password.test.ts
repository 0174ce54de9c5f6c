import { describe, expect, it } from 'vitest';
import { Argon2idPasswordHasher, BoundedPasswordHasher, ScryptPasswordHasher } from '../src/password.js';
import { UnavailableError } from '../src/service.js';

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

describe('Argon2idPasswordHasher', () => {
  const hasher = new Argon2idPasswordHasher();

  it('encodes Argon2id at OWASP parameters in the PHC format, 16-byte salt and 32-byte key', async () => {
    const encoded = await hasher.hash('correct horse');
    const match = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$([^$]+)\$([^$]+)$/.exec(encoded);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(match![2]!, 'base64')).toHaveLength(32);
    expect(hasher.needsRehash(encoded)).toBe(false);
  });

  it('verifies the right password only, and salts every hash differently', async () => {
    const [first, second] = await Promise.all([hasher.hash('correct horse'), hasher.hash('correct horse')]);
    expect(first).not.toBe(second);
    expect(await hasher.verify('correct horse', first)).toBe(true);
    expect(await hasher.verify('correct horsE', first)).toBe(false);
  });

  it('verifies scrypt hashes made before, and asks for them to be rehashed', async () => {
    const old = await new ScryptPasswordHasher({ log2N: 14, r: 8, p: 1 }).hash('correct horse');
    expect(await hasher.verify('correct horse', old)).toBe(true);
    expect(await hasher.verify('wrong horse', old)).toBe(false);
    expect(hasher.needsRehash(old)).toBe(true);
  });

  it('asks to rehash an Argon2id hash made with other parameters, and still verifies it', async () => {
    const weaker = await new Argon2idPasswordHasher({ memoryKiB: 1024, passes: 1, parallelism: 1 }).hash(
      'pw',
    );
    expect(await hasher.verify('pw', weaker)).toBe(true);
    expect(hasher.needsRehash(weaker)).toBe(true);
  });

  it('treats a malformed or absurd encoding as a mismatch', async () => {
    const good = await hasher.hash('correct horse');
    const absurd = good.replace('m=19456', 'm=99999999');
    for (const encoded of [
      '',
      'plain',
      '$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5',
      absurd,
      good.slice(0, -10),
    ]) {
      expect(await hasher.verify('correct horse', encoded)).toBe(false);
    }
  });
});

describe('BoundedPasswordHasher', () => {
  /** A hasher whose calls finish only when the test says so. */
  function gatedHasher() {
    const gates: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const wait = async <T>(value: T) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
      return value;
    };
    return {
      hasher: { hash: (p: string) => wait(`h:${p}`), verify: () => wait(true) },
      release: () => gates.shift()?.(),
      peak: () => peak,
    };
  }

  it('runs at most `concurrency` at once, queues up to `maxQueued`, refuses the next with UNAVAILABLE', async () => {
    const gated = gatedHasher();
    const bounded = new BoundedPasswordHasher(gated.hasher, { concurrency: 2, maxQueued: 3 });
    const calls = Array.from({ length: 5 }, (_, i) => bounded.hash(`p${i}`));
    expect(bounded.load).toEqual({ running: 2, waiting: 3 });
    await expect(bounded.verify('x', 'y')).rejects.toBeInstanceOf(UnavailableError);
    for (let i = 0; i < 5; i++) {
      await Promise.resolve();
      gated.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(calls)).toEqual(['h:p0', 'h:p1', 'h:p2', 'h:p3', 'h:p4']);
    expect(gated.peak()).toBe(2);
    expect(bounded.load).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot of a call that fails', async () => {
    const failing = { hash: () => Promise.reject(new Error('boom')), verify: () => Promise.resolve(true) };
    const bounded = new BoundedPasswordHasher(failing, { concurrency: 1, maxQueued: 0 });
    await expect(bounded.hash('a')).rejects.toThrow('boom');
    expect(await bounded.verify('a', 'b')).toBe(true);
  });
});
