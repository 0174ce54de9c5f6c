// Password hashing. New hashes are Argon2id at OWASP's recommended parameters (m = 19 MiB, t = 2,
// p = 1; Node's built-in crypto.argon2), in the standard PHC encoding
// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. Hashes made before with scrypt
// (`scrypt$<log2 N>$<r>$<p>$<salt>$<key>`, N = 2^17: OWASP's equivalent setting) still verify, and
// `needsRehash` tells the service to replace them at the user's next log-in. Measured on the same
// machine (`npm run bench`), Argon2id costs about a tenth of the time and a seventh of the memory.
//
// Hashing is bounded (BoundedPasswordHasher): at most `concurrency` hashes run at once, at most
// `maxQueued` wait, and beyond that a call fails at once with UnavailableError (503), so a log-in
// flood costs a known amount of memory instead of growing until the process is killed.
import {
  argon2,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type Argon2Parameters,
  type ScryptOptions,
} from 'node:crypto';
import { UnavailableError, type PasswordHasher } from './service.js';

const SALT_BYTES = 16;
const KEY_BYTES = 32;

export interface Argon2idParams {
  /** Memory in KiB. 19456 (19 MiB) is OWASP's recommended minimum with t = 2. */
  memoryKiB: number;
  /** Passes over the memory (t). */
  passes: number;
  /** Lanes (p). */
  parallelism: number;
}

export const OWASP_ARGON2ID: Argon2idParams = { memoryKiB: 19_456, passes: 2, parallelism: 1 };

/** Memory one Argon2id hash uses with these parameters, in bytes. */
export const argon2idMemoryBytes = (params: Argon2idParams) => params.memoryKiB * 1024;

/**
 * The hasher of the users process. `cost` 17 (the default) is OWASP_ARGON2ID; each step below halves
 * the memory (tests run at 12: 608 KiB, a few milliseconds a hash), each step above doubles it.
 */
export function passwordHasher(cost = 17): Argon2idPasswordHasher {
  const memoryKiB = Math.round(OWASP_ARGON2ID.memoryKiB * 2 ** (cost - 17));
  return new Argon2idPasswordHasher({ ...OWASP_ARGON2ID, memoryKiB });
}

const ARGON2ID = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export class Argon2idPasswordHasher implements PasswordHasher {
  readonly #legacy = new ScryptPasswordHasher();

  constructor(private readonly params: Argon2idParams = OWASP_ARGON2ID) {}

  async hash(password: string): Promise<string> {
    const { memoryKiB, passes, parallelism } = this.params;
    const salt = randomBytes(SALT_BYTES);
    const key = await argon2id(password, salt, KEY_BYTES, this.params);
    return `$argon2id$v=19$m=${memoryKiB},t=${passes},p=${parallelism}$${b64(salt)}$${b64(key)}`;
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    if (encoded.startsWith('scrypt$')) return this.#legacy.verify(password, encoded);
    const match = ARGON2ID.exec(encoded);
    if (!match) return false;
    const [, m, t, p, salt, key] = match;
    const expected = Buffer.from(key!, 'base64');
    const params = { memoryKiB: Number(m), passes: Number(t), parallelism: Number(p) };
    if (expected.length < 16 || !sane(params)) return false;
    const actual = await argon2id(password, Buffer.from(salt!, 'base64'), expected.length, params);
    return timingSafeEqual(actual, expected);
  }

  /** True for a scrypt hash, or an Argon2id hash with other parameters than this hasher's. */
  needsRehash(encoded: string): boolean {
    const match = ARGON2ID.exec(encoded);
    if (!match) return true;
    const { memoryKiB, passes, parallelism } = this.params;
    return `${memoryKiB},${passes},${parallelism}` !== `${match[1]},${match[2]},${match[3]}`;
  }
}

/** Parameters a stored hash may ask for: never more than the process can afford (a corrupt row). */
function sane({ memoryKiB, passes, parallelism }: Argon2idParams): boolean {
  return (
    memoryKiB >= 8 &&
    memoryKiB <= 1 << 20 &&
    passes >= 1 &&
    passes <= 10 &&
    parallelism >= 1 &&
    parallelism <= 16
  );
}

function argon2id(password: string, salt: Buffer, length: number, params: Argon2idParams): Promise<Buffer> {
  const parameters: Argon2Parameters = {
    message: password.normalize('NFC'),
    nonce: salt,
    tagLength: length,
    memory: params.memoryKiB,
    passes: params.passes,
    parallelism: params.parallelism,
  };
  return new Promise((resolve, reject) =>
    argon2('argon2id', parameters, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** PHC strings use base64 without padding. */
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export interface ScryptParams {
  /** Cost: N = 2^log2N. 17 uses 128 MiB per hash (OWASP's recommended minimum). */
  log2N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

const SCRYPT_DEFAULT: ScryptParams = { log2N: 17, r: 8, p: 1 };

/** scrypt: what every hash was before Argon2id; kept to verify them (and for comparison in the bench). */
export class ScryptPasswordHasher implements PasswordHasher {
  constructor(private readonly params: ScryptParams = SCRYPT_DEFAULT) {}

  async hash(password: string): Promise<string> {
    const { log2N, r, p } = this.params;
    const salt = randomBytes(SALT_BYTES);
    const key = await deriveScrypt(password, salt, KEY_BYTES, this.params);
    return ['scrypt', log2N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const [scheme, log2N, r, p, salt, key, ...rest] = encoded.split('$');
    if (scheme !== 'scrypt' || !salt || !key || rest.length > 0) return false;
    const expected = Buffer.from(key, 'base64');
    const params = { log2N: Number(log2N), r: Number(r), p: Number(p) };
    const actual = await deriveScrypt(password, Buffer.from(salt, 'base64'), expected.length, params);
    return timingSafeEqual(actual, expected);
  }

  needsRehash(): boolean {
    return false;
  }
}

function deriveScrypt(
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

export interface HashingBounds {
  /** Hashes computed at the same time (each holds its memory while it runs). */
  concurrency: number;
  /** Calls that may wait for a slot; one more fails at once with UnavailableError. */
  maxQueued: number;
}

/**
 * At most `concurrency` hashes or verifications at once, at most `maxQueued` waiting; the next one
 * is refused (UnavailableError → UNAVAILABLE → 503) rather than queued without end. The memory of
 * hashing is then bounded by concurrency × the memory of one hash.
 */
export class BoundedPasswordHasher implements PasswordHasher {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly inner: PasswordHasher,
    private readonly bounds: HashingBounds,
  ) {}

  hash(password: string): Promise<string> {
    return this.#run(() => this.inner.hash(password));
  }

  verify(password: string, encoded: string): Promise<boolean> {
    return this.#run(() => this.inner.verify(password, encoded));
  }

  needsRehash(encoded: string): boolean {
    return this.inner.needsRehash?.(encoded) ?? false;
  }

  /** Calls running and waiting now (for tests and metrics). */
  get load() {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.bounds.concurrency) {
      if (this.#waiting.length >= this.bounds.maxQueued) throw new UnavailableError();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      // The slot passes straight to the next caller in line, or is freed.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
