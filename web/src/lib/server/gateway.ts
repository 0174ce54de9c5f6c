// The one client of the gateway's REST API. Server-side only: the browser never talks to the gateway.
// Every call resolves to a Result: either the typed answer or a GatewayError with the gateway's
// {error: {code, message, details}}; a gateway that cannot be reached becomes UNAVAILABLE (503), never a
// throw. The types are the gateway's own route schemas (`@app/gateway/schemas`, `import type` only), which
// the compiler keeps in step with the protos: what is typed here is what the gateway sends.
import { isErrorCode, type ErrorCode, type FieldViolation } from '@app/gateway/error-codes';
import type {
  CreateNoteBody,
  LoginBody,
  Note,
  NotePage,
  Share,
  ShareList,
  SignupBody,
  TokenPair,
  UpdateNoteBody,
  User,
} from '@app/gateway/schemas';
import type { Complete } from '@app/platform';

export type { ErrorCode, FieldViolation, Note, NotePage, Share, ShareList, TokenPair, User };
// Every field of a request body is written out by its caller (`undefined` for an optional one left
// out): a field added to a body fails `npm run check` at each form action that must send it.
export type SignupInput = Complete<SignupBody>;
export type LoginInput = Complete<LoginBody>;
export type NoteInput = Complete<CreateNoteBody>;
export type NoteChanges = Complete<UpdateNoteBody>;

export interface GatewayError {
  /** HTTP status of the gateway's answer (503 when it could not be reached). */
  status: number;
  code: ErrorCode;
  /** Safe to show to the user. */
  message: string;
  /** INVALID_ARGUMENT: each rejected field and why ([] otherwise). */
  details: FieldViolation[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

export interface GatewayClient {
  /** The account and its first session (signing up logs in). */
  signup(input: SignupInput, signal?: AbortSignal): Promise<Result<{ user: User; session: TokenPair }>>;
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
  listShares(token: string, id: string, signal?: AbortSignal): Promise<Result<ShareList>>;
  unshareNote(token: string, id: string, userId: string, signal?: AbortSignal): Promise<Result<null>>;
}

export interface GatewayClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Per call; the gateway's own deadlines are shorter. */
  timeoutMs?: number;
}

export const UNAVAILABLE: GatewayError = {
  status: 503,
  code: 'UNAVAILABLE',
  message: 'The service is unavailable right now. Please try again in a moment.',
  details: [],
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

function isViolation(value: unknown): value is FieldViolation {
  const violation = value as Partial<FieldViolation> | null;
  return typeof violation?.field === 'string' && typeof violation.description === 'string';
}

function errorOf(status: number, body: unknown): GatewayError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = isErrorCode(error?.code) ? error.code : codeOfStatus(status);
  if (code === 'UNAVAILABLE') return { ...UNAVAILABLE, status };
  if (status >= 500) {
    return { status, code, message: 'Something went wrong on our side. Please try again.', details: [] };
  }
  const message =
    typeof error?.message === 'string' && error.message ? error.message : 'The request was rejected.';
  const details = Array.isArray(error?.details) ? error.details.filter(isViolation) : [];
  return { status, code, message, details };
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
