// The one client of the gateway's REST API (DESIGN.md). Server-side only: the browser never talks to the
// gateway. Every call resolves to a Result: either the typed answer or a GatewayError with the gateway's
// {error: {code, message}}; a gateway that cannot be reached becomes UNAVAILABLE (503), never a throw.
// Request and answer types come from the protos (types-only codegen in ../gen; `import type` only).
import type {
  CreateNoteRequest,
  Note as NoteMessage,
  Share as ShareMessage,
  UpdateNoteRequest,
} from '../gen/notes/v1/notes.js';
import type {
  CreateUserRequest,
  User as UserMessage,
  VerifyCredentialsRequest,
} from '../gen/users/v1/users.js';

/** Proto timestamps are optional in the messages; the REST API always sends them (RFC 3339). */
type WithTimes<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: string };

export type User = WithTimes<UserMessage, 'createdAt'>;
export type Note = WithTimes<NoteMessage, 'createdAt' | 'updatedAt'>;
export type Share = ShareMessage;
export type SignupInput = CreateUserRequest;
export type LoginInput = VerifyCredentialsRequest;
export type NoteInput = CreateNoteRequest;
export type NoteChanges = Omit<UpdateNoteRequest, 'id'>;

/** The gateway's own answers (not messages of a service). */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
}

export interface NotePage {
  notes: Note[];
  nextCursor: string | null;
}

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL';

export interface GatewayError {
  /** HTTP status of the gateway's answer (503 when it could not be reached). */
  status: number;
  code: ErrorCode;
  /** Safe to show to the user. */
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

export interface GatewayClient {
  signup(input: SignupInput, signal?: AbortSignal): Promise<Result<{ user: User }>>;
  login(input: LoginInput, signal?: AbortSignal): Promise<Result<TokenPair>>;
  refresh(refreshToken: string, signal?: AbortSignal): Promise<Result<TokenPair>>;
  logout(refreshToken: string, signal?: AbortSignal): Promise<Result<null>>;
  me(token: string, signal?: AbortSignal): Promise<Result<User>>;
  listNotes(
    token: string,
    page?: { limit?: number; cursor?: string },
    signal?: AbortSignal,
  ): Promise<Result<NotePage>>;
  createNote(token: string, input: NoteInput, signal?: AbortSignal): Promise<Result<Note>>;
  getNote(token: string, id: string, signal?: AbortSignal): Promise<Result<Note>>;
  updateNote(token: string, id: string, changes: NoteChanges, signal?: AbortSignal): Promise<Result<Note>>;
  deleteNote(token: string, id: string, signal?: AbortSignal): Promise<Result<null>>;
  shareNote(token: string, id: string, email: string, signal?: AbortSignal): Promise<Result<Share>>;
  listShares(token: string, id: string, signal?: AbortSignal): Promise<Result<{ shares: Share[] }>>;
  unshareNote(token: string, id: string, userId: string, signal?: AbortSignal): Promise<Result<null>>;
}

export interface GatewayClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Per call; the gateway's own deadlines are shorter. */
  timeoutMs?: number;
}

const ERROR_CODES = new Set<string>([
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
]);

export const UNAVAILABLE: GatewayError = {
  status: 503,
  code: 'UNAVAILABLE',
  message: 'The service is unavailable right now. Please try again in a moment.',
};

/** The code for an HTTP status, when the body has none (a proxy's error page, say). */
function codeOfStatus(status: number): ErrorCode {
  if (status === 400 || status === 413) return 'INVALID_ARGUMENT';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'ALREADY_EXISTS';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 502 || status === 503) return 'UNAVAILABLE';
  if (status === 504) return 'DEADLINE_EXCEEDED';
  return 'INTERNAL';
}

function errorOf(status: number, body: unknown): GatewayError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code =
    typeof error?.code === 'string' && ERROR_CODES.has(error.code)
      ? (error.code as ErrorCode)
      : codeOfStatus(status);
  if (code === 'UNAVAILABLE') return { ...UNAVAILABLE, status };
  if (status >= 500) return { status, code, message: 'Something went wrong on our side. Please try again.' };
  const message =
    typeof error?.message === 'string' && error.message ? error.message : 'The request was rejected.';
  return { status, code, message };
}

export function createGatewayClient({
  baseUrl,
  fetch: fetchFn = fetch,
  timeoutMs = 10_000,
}: GatewayClientOptions): GatewayClient {
  const base = baseUrl.replace(/\/+$/, '');

  async function call<T>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; signal?: AbortSignal | undefined } = {},
  ): Promise<Result<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetchFn(`${base}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      });
    } catch {
      // Refused, reset, DNS, timeout: the gateway cannot be reached.
      return { ok: false, error: UNAVAILABLE };
    }
    let body: unknown = null;
    if (response.status !== 204) {
      const text = await response.text().catch(() => '');
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
    }
    if (!response.ok) return { ok: false, error: errorOf(response.status, body) };
    return { ok: true, value: body as T };
  }

  const note = (id: string) => `/api/notes/${encodeURIComponent(id)}`;

  return {
    signup: (input, signal) => call('POST', '/api/auth/signup', { body: input, signal }),
    login: (input, signal) => call('POST', '/api/auth/login', { body: input, signal }),
    refresh: (refreshToken, signal) => call('POST', '/api/auth/refresh', { body: { refreshToken }, signal }),
    logout: (refreshToken, signal) => call('POST', '/api/auth/logout', { body: { refreshToken }, signal }),
    me: (token, signal) => call('GET', '/api/me', { token, signal }),
    listNotes: (token, page = {}, signal) => {
      const query = new URLSearchParams();
      if (page.limit !== undefined) query.set('limit', String(page.limit));
      if (page.cursor) query.set('cursor', page.cursor);
      const search = query.size > 0 ? `?${query}` : '';
      return call('GET', `/api/notes${search}`, { token, signal });
    },
    createNote: (token, input, signal) => call('POST', '/api/notes', { token, body: input, signal }),
    getNote: (token, id, signal) => call('GET', note(id), { token, signal }),
    updateNote: (token, id, changes, signal) => call('PATCH', note(id), { token, body: changes, signal }),
    deleteNote: (token, id, signal) => call('DELETE', note(id), { token, signal }),
    shareNote: (token, id, email, signal) =>
      call('POST', `${note(id)}/shares`, { token, body: { email }, signal }),
    listShares: (token, id, signal) => call('GET', `${note(id)}/shares`, { token, signal }),
    unshareNote: (token, id, userId, signal) =>
      call('DELETE', `${note(id)}/shares/${encodeURIComponent(userId)}`, { token, signal }),
  };
}
