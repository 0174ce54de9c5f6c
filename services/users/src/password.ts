// Password hashing with scrypt (memory-hard, built into Node). The encoded hash carries its own
// parameters, `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64), so they can be raised later while old
// hashes still verify.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from './service.js';

export interface ScryptParams {
  /** Cost: N = 2^log2N. 17 uses 128 MiB per hash (OWASP's recommended minimum). */
  log2N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

const DEFAULT_PARAMS: ScryptParams = { log2N: 17, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

export class ScryptPasswordHasher implements PasswordHasher {
  constructor(private readonly params: ScryptParams = DEFAULT_PARAMS) {}

  async hash(password: string): Promise<string> {
    const { log2N, r, p } = this.params;
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, KEY_BYTES, this.params);
    return ['scrypt', log2N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const [scheme, log2N, r, p, salt, key, ...rest] = encoded.split('$');
    if (scheme !== 'scrypt' || !salt || !key || rest.length > 0) return false;
    const expected = Buffer.from(key, 'base64');
    const params = { log2N: Number(log2N), r: Number(r), p: Number(p) };
    const actual = await derive(password, Buffer.from(salt, 'base64'), expected.length, params);
    return timingSafeEqual(actual, expected);
  }
}

function derive(
  password: string,
  salt: Buffer,
  length: number,
  { log2N, r, p }: ScryptParams,
): Promise<Buffer> {
  const N = 2 ** log2N;
  // scrypt needs about 128 * N * r bytes; Node's default limit (32 MiB) is below sound parameters.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}
