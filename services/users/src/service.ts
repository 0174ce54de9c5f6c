// The users domain: accounts, password credentials and refresh-token sessions. It knows nothing of gRPC
// or SQL; storage and password hashing are ports (interfaces) implemented by adapters.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { USER_LIMITS } from './limits.js';
import { openSuccessor, sealSuccessor } from './successor.js';
import type { Throttle } from './throttle.js';

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

export interface StoredUser extends User {
  passwordHash: string;
}

export interface UserRepository {
  /** Stores a new user. Throws CreateUserError('EMAIL_TAKEN') when the email is taken in any letter case. */
  create(user: Omit<StoredUser, 'id' | 'createdAt'>): Promise<StoredUser>;
  findById(id: string): Promise<StoredUser | null>;
  /** Looks the email up case-insensitively. */
  findByEmail(email: string): Promise<StoredUser | null>;
  /** The users with these ids; ids of no user are left out. */
  findByIds(ids: string[]): Promise<StoredUser[]>;
  /** Replaces the stored password hash (a rehash with the current parameters). */
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
}

/** A refresh token as stored: only the SHA-256 hash of the token itself is kept. */
export interface StoredRefreshToken {
  id: string;
  /** Every token of one login session shares a family; reuse of any of them revokes them all. */
  familyId: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  /** Once used: the token that replaced it, sealed with this token (see successor.ts). */
  successorSealed: string | null;
}

export type NewRefreshToken = Omit<StoredRefreshToken, 'usedAt' | 'revokedAt' | 'successorSealed'>;

export interface RefreshTokenRepository {
  insert(token: NewRefreshToken): Promise<void>;
  findByHash(tokenHash: string): Promise<StoredRefreshToken | null>;
  /**
   * Atomically marks token `usedId` used (keeping `successorSealed`), if it is still unused and not
   * revoked, and stores `next`. Returns false, storing nothing, when the token was used or revoked in
   * the meantime.
   */
  rotate(usedId: string, next: NewRefreshToken, at: Date, successorSealed: string): Promise<boolean>;
  /** Revokes every token of the family that is not revoked yet. */
  revokeFamily(familyId: string, at: Date): Promise<void>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, encoded: string): Promise<boolean>;
  /** True when a hash that verified should be replaced (made with an older scheme or parameters). */
  needsRehash?(encoded: string): boolean;
}

export type UsersErrorCode =
  | 'INVALID_EMAIL'
  | 'INVALID_PASSWORD'
  | 'INVALID_NAME'
  | 'INVALID_ID'
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_TOKEN'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'TOO_MANY_ATTEMPTS'
  | 'UNAVAILABLE';

/** The input of createUser (the handler builds it from its request, field for field). */
export interface CreateUserInput {
  email: string;
  password: string;
  name: string;
}

/**
 * Every error of this domain: a stable `code`, a message fit to show to a client and, when the error is
 * about one input field, that field's name (as in the operation's input: `email`, `userId`).
 */
export abstract class UsersError<Code extends UsersErrorCode = UsersErrorCode> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class CreateUserError extends UsersError<
  'INVALID_EMAIL' | 'INVALID_PASSWORD' | 'INVALID_NAME' | 'EMAIL_TAKEN'
> {
  static emailTaken() {
    return new CreateUserError('EMAIL_TAKEN', 'A user with this email already exists');
  }
}
export class VerifyCredentialsError extends UsersError<'INVALID_CREDENTIALS'> {}
export class GetUserError extends UsersError<'INVALID_ID' | 'NOT_FOUND'> {}
export class GetUsersError extends UsersError<'INVALID_ID'> {}
export class IssueRefreshTokenError extends UsersError<'INVALID_ID' | 'NOT_FOUND'> {}
export class RotateRefreshTokenError extends UsersError<'INVALID_TOKEN'> {}

/**
 * Thrown by the ports when the storage refuses a value it cannot hold (e.g. a NUL character in a
 * text); any operation that takes client input may fail with it.
 */
export class InvalidInputError extends UsersError<'INVALID_INPUT'> {
  constructor() {
    super('INVALID_INPUT', 'The request contains a value that cannot be stored (e.g. a NUL character)');
  }
}

/** Thrown by the ports when the storage cannot be reached; any operation may fail with it. */
export class UnavailableError extends UsersError<'UNAVAILABLE'> {
  constructor() {
    super('UNAVAILABLE', 'The users service is temporarily unavailable, try again later');
  }
}

const INVALID_CREDENTIALS_MESSAGE = 'Wrong email or password';
const INVALID_TOKEN_MESSAGE = 'The refresh token is invalid, expired or revoked';

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Ids per GetUsers call (one page of shares fits). */
export const GET_USERS_MAX = 100;
const {
  emailMaxLength: EMAIL_MAX,
  passwordMinLength: PASSWORD_MIN,
  passwordMaxLength: PASSWORD_MAX,
  nameMaxLength: NAME_MAX,
} = USER_LIMITS;

/** Length in characters (code points), as a person counts them. */
const length = (value: string) => [...value].length;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface IssuedRefreshToken {
  /** The opaque token; only the client ever holds it. */
  token: string;
  expiresAt: Date;
}

export interface UserServiceOptions {
  users: UserRepository;
  tokens: RefreshTokenRepository;
  hasher: PasswordHasher;
  refreshTokenTtlDays?: number;
  /**
   * How long after its rotation a refresh token may still be presented and get the same successor
   * (concurrent refreshes from two tabs or two web replicas); reuse after that revokes the session.
   */
  refreshGraceMs?: number;
  /** Log-in, sign-up and refresh throttling; none when absent. */
  throttle?: Throttle;
  now?: () => Date;
}

/** Who is calling, as the gateway saw it (for throttling). */
export interface CallerContext {
  clientIp?: string | undefined;
}

export class UserService {
  readonly #users: UserRepository;
  readonly #tokens: RefreshTokenRepository;
  readonly #hasher: PasswordHasher;
  readonly #refreshTokenTtlMs: number;
  readonly #refreshGraceMs: number;
  readonly #throttle: Throttle | undefined;
  readonly #now: () => Date;
  /** Checked when the email is unknown, so that answer costs the same time as a wrong password. */
  #dummyHash: Promise<string> | undefined;

  constructor(options: UserServiceOptions) {
    this.#users = options.users;
    this.#tokens = options.tokens;
    this.#hasher = options.hasher;
    this.#refreshTokenTtlMs = (options.refreshTokenTtlDays ?? 30) * DAY_MS;
    this.#refreshGraceMs = options.refreshGraceMs ?? 10_000;
    this.#throttle = options.throttle;
    this.#now = options.now ?? (() => new Date());
  }

  async createUser(input: CreateUserInput, caller: CallerContext = {}): Promise<User> {
    await this.#throttle?.signup(caller.clientIp);
    const email = input.email.trim();
    const name = input.name.trim();
    if (length(email) > EMAIL_MAX || !EMAIL.test(email)) {
      throw new CreateUserError('INVALID_EMAIL', 'email must be a valid email address', 'email');
    }
    if (length(input.password) < PASSWORD_MIN || length(input.password) > PASSWORD_MAX) {
      throw new CreateUserError(
        'INVALID_PASSWORD',
        `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long`,
        'password',
      );
    }
    if (length(name) < 1 || length(name) > NAME_MAX) {
      throw new CreateUserError('INVALID_NAME', `name must be 1 to ${NAME_MAX} characters long`, 'name');
    }
    const passwordHash = await this.#hasher.hash(input.password);
    return publicUser(await this.#users.create({ email, name, passwordHash }));
  }

  /**
   * The same error, after the same work, whether the email is unknown or the password is wrong; too
   * many failures for the account or from the IP are refused without checking (TooManyAttemptsError).
   */
  async verifyCredentials(email: string, password: string, caller: CallerContext = {}): Promise<User> {
    if (!this.#throttle) return this.#verifyCredentials(email, password);
    return this.#throttle.login(email, caller.clientIp, () => this.#verifyCredentials(email, password));
  }

  async #verifyCredentials(email: string, password: string): Promise<User> {
    const user = await this.#users.findByEmail(email.trim());
    const matches = await this.#hasher.verify(password, user?.passwordHash ?? (await this.#dummy()));
    if (!user || !matches) {
      throw new VerifyCredentialsError('INVALID_CREDENTIALS', INVALID_CREDENTIALS_MESSAGE);
    }
    // A hash made with an older scheme (scrypt) or weaker parameters is replaced now, while the
    // password is at hand. Best effort: if it fails, the log-in still succeeds and the next one retries.
    if (this.#hasher.needsRehash?.(user.passwordHash)) {
      await this.#hasher
        .hash(password)
        .then((passwordHash) => this.#users.updatePasswordHash(user.id, passwordHash))
        .catch(() => undefined);
    }
    return publicUser(user);
  }

  /** verifyCredentials, then a new session: what a log-in is, in one call. */
  async logIn(
    email: string,
    password: string,
    caller: CallerContext = {},
  ): Promise<{ user: User; refreshToken: IssuedRefreshToken }> {
    const user = await this.verifyCredentials(email, password, caller);
    return { user, refreshToken: await this.#startSession(user.id) };
  }

  /** createUser, then a new session: a sign-up that logs straight in, with one password hash. */
  async signUp(
    input: CreateUserInput,
    caller: CallerContext = {},
  ): Promise<{ user: User; refreshToken: IssuedRefreshToken }> {
    const user = await this.createUser(input, caller);
    return { user, refreshToken: await this.#startSession(user.id) };
  }

  /** At most GET_USERS_MAX ids; the users that exist, in no particular order. */
  async getUsers(ids: string[]): Promise<User[]> {
    if (ids.length > GET_USERS_MAX) {
      throw new GetUsersError('INVALID_ID', `at most ${GET_USERS_MAX} ids at once`, 'ids');
    }
    if (!ids.every((id) => UUID.test(id))) {
      throw new GetUsersError('INVALID_ID', 'every id must be a UUID', 'ids');
    }
    if (ids.length === 0) return [];
    return (await this.#users.findByIds([...new Set(ids)])).map(publicUser);
  }

  async getUser(id: string): Promise<User> {
    if (!UUID.test(id)) throw new GetUserError('INVALID_ID', 'id must be a UUID', 'id');
    const user = await this.#users.findById(id);
    if (!user) throw new GetUserError('NOT_FOUND', 'No user has this id');
    return publicUser(user);
  }

  async getUserByEmail(email: string): Promise<User> {
    const user = await this.#users.findByEmail(email.trim());
    if (!user) throw new GetUserError('NOT_FOUND', 'No user has this email');
    return publicUser(user);
  }

  /** Starts a new session (token family) for the user. */
  async issueRefreshToken(userId: string): Promise<IssuedRefreshToken> {
    if (!UUID.test(userId)) {
      throw new IssueRefreshTokenError('INVALID_ID', 'userId must be a UUID', 'userId');
    }
    if (!(await this.#users.findById(userId))) {
      throw new IssueRefreshTokenError('NOT_FOUND', 'No user has this id');
    }
    return this.#startSession(userId);
  }

  async #startSession(userId: string): Promise<IssuedRefreshToken> {
    const { issued, stored } = this.#newToken(userId, randomUUID());
    await this.#tokens.insert(stored);
    return issued;
  }

  /**
   * Exchanges a token for a new one of the same family. A token that was already used is proof that it
   * leaked (or was replayed): the whole family is revoked, so neither holder can go on.
   */
  async rotateRefreshToken(
    token: string,
    caller: CallerContext = {},
  ): Promise<{ userId: string; refreshToken: IssuedRefreshToken }> {
    await this.#throttle?.refresh(caller.clientIp);
    const invalid = new RotateRefreshTokenError('INVALID_TOKEN', INVALID_TOKEN_MESSAGE);
    const now = this.#now();
    const current = await this.#tokens.findByHash(hashToken(token));
    if (!current || current.revokedAt) throw invalid;
    if (current.usedAt) return this.#withinGrace(current, token, now, invalid);
    if (current.expiresAt <= now) throw invalid;
    const { issued, stored } = this.#newToken(current.userId, current.familyId);
    if (!(await this.#tokens.rotate(current.id, stored, now, sealSuccessor(token, issued.token)))) {
      // Another call rotated it first (a concurrent refresh), or revoked it.
      const again = await this.#tokens.findByHash(current.tokenHash);
      if (!again?.usedAt || again.revokedAt) throw invalid;
      return this.#withinGrace(again, token, now, invalid);
    }
    return { userId: current.userId, refreshToken: issued };
  }

  /**
   * A token presented again after its rotation. Within the grace window it is a concurrent refresh of
   * the same session: the answer is the session's newest token (following the chain of successors, so
   * a late request cannot hand an older one back). After the window it is reuse: the token leaked or
   * was replayed, and the whole family is revoked so that neither holder can go on.
   */
  async #withinGrace(
    used: StoredRefreshToken,
    token: string,
    now: Date,
    invalid: RotateRefreshTokenError,
  ): Promise<{ userId: string; refreshToken: IssuedRefreshToken }> {
    const withinGrace = used.usedAt && now.getTime() - used.usedAt.getTime() < this.#refreshGraceMs;
    let row: StoredRefreshToken | null = used;
    let plain = token;
    for (let hop = 0; withinGrace && row?.usedAt && row.successorSealed && hop < 10; hop++) {
      const next = openSuccessor(plain, row.successorSealed);
      if (next === undefined) break;
      plain = next;
      row = await this.#tokens.findByHash(hashToken(plain));
    }
    if (withinGrace && row && row !== used && !row.usedAt && !row.revokedAt && row.expiresAt > now) {
      return { userId: row.userId, refreshToken: { token: plain, expiresAt: row.expiresAt } };
    }
    await this.#tokens.revokeFamily(used.familyId, now);
    throw invalid;
  }

  /** Ends the token's session (logout). Unknown tokens are fine: there is nothing to revoke. */
  async revokeRefreshToken(token: string): Promise<void> {
    const current = await this.#tokens.findByHash(hashToken(token));
    if (current) await this.#tokens.revokeFamily(current.familyId, this.#now());
  }

  #newToken(userId: string, familyId: string): { issued: IssuedRefreshToken; stored: NewRefreshToken } {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.#now().getTime() + this.#refreshTokenTtlMs);
    return {
      issued: { token, expiresAt },
      stored: { id: randomUUID(), familyId, userId, tokenHash: hashToken(token), expiresAt },
    };
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= this.#hasher.hash(randomBytes(16).toString('hex'));
    return this.#dummyHash;
  }
}

function publicUser({ id, email, name, createdAt }: StoredUser): User {
  return { id, email, name, createdAt };
}
