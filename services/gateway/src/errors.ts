// The one place where failures become HTTP responses. Every error body has the shape
// {"error": {"code", "message"}}, plus `details: [{field, description}]` for a rejected request (the
// gateway's own validation, or a service's google.rpc.BadRequest field violations). Nothing internal
// (stack, SQL, addresses) ever reaches a client: 5xx answers carry a fixed message and the details go
// to the log.
import { isAbortError } from 'abort-controller-x';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { ClientError, Status } from 'nice-grpc-common';
import { BadRequest, RichClientError } from 'nice-grpc-error-details';
import type { ErrorCode, FieldViolation } from './error-codes.js';
import { errorBody, type ErrorBody } from './schemas.js';

export type { ErrorCode, FieldViolation };

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (`details` names each rejected field)',
  401: 'Missing or invalid credentials',
  403: 'Not allowed for this user',
  404: 'Not found',
  409: 'Already exists',
  413: 'Request body larger than 1 MiB',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'A service is unavailable',
  504: 'A service took too long to answer',
};

/** The error responses of a route, for its `response` schema: `errors(400, 401)`. */
export function errors<const S extends readonly number[]>(
  ...statuses: S
): { [K in S[number]]: ReturnType<typeof errorBody> } {
  return Object.fromEntries(statuses.map((status) => [status, errorBody(DESCRIPTIONS[status])])) as {
    [K in S[number]]: ReturnType<typeof errorBody>;
  };
}

/** The answers of any route that calls a service: internal error, service down, service too slow. */
export const UPSTREAM_ERRORS = [500, 503, 504] as const;

/** An error with its HTTP answer; the message (and the field violations) are shown to the client as is. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldViolation[],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get body(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details && this.details.length > 0) error.details = this.details;
    return { error };
  }
}

/**
 * A page size from the query string. Ajv's coercion turns "Infinity" or "1e309" into Infinity and then
 * skips the schema's integer and range checks, so the route checks the number itself (400, not a
 * 500 when the value cannot be encoded as the request's int32).
 */
export function pageLimit(limit: number, max: number): number {
  if (Number.isSafeInteger(limit) && limit >= 1 && limit <= max) return limit;
  const description = `limit must be an integer from 1 to ${max}`;
  throw new HttpError(400, 'INVALID_ARGUMENT', description, [{ field: 'limit', description }]);
}

export const unauthenticated = () => new HttpError(401, 'UNAUTHENTICATED', 'Missing or invalid access token');

const INTERNAL_MESSAGE = 'Internal error';

/** gRPC status → HTTP. The service's message is passed on for the 4xx codes (services write safe messages). */
const FROM_GRPC: Partial<Record<Status, { statusCode: number; code: ErrorCode; message?: string }>> = {
  [Status.INVALID_ARGUMENT]: { statusCode: 400, code: 'INVALID_ARGUMENT' },
  [Status.UNAUTHENTICATED]: { statusCode: 401, code: 'UNAUTHENTICATED' },
  [Status.PERMISSION_DENIED]: { statusCode: 403, code: 'PERMISSION_DENIED' },
  [Status.NOT_FOUND]: { statusCode: 404, code: 'NOT_FOUND' },
  [Status.ALREADY_EXISTS]: { statusCode: 409, code: 'ALREADY_EXISTS' },
  [Status.RESOURCE_EXHAUSTED]: { statusCode: 429, code: 'RESOURCE_EXHAUSTED' },
  [Status.UNAVAILABLE]: {
    statusCode: 503,
    code: 'UNAVAILABLE',
    message: 'A service is unavailable, try again later',
  },
  [Status.DEADLINE_EXCEEDED]: {
    statusCode: 504,
    code: 'DEADLINE_EXCEEDED',
    message: 'A service took too long to answer',
  },
};

export function fromGrpcError(error: ClientError): HttpError {
  const mapped = FROM_GRPC[error.code];
  if (!mapped) return new HttpError(500, 'INTERNAL', INTERNAL_MESSAGE);
  const details = mapped.code === 'INVALID_ARGUMENT' ? fieldViolations(error) : undefined;
  return new HttpError(mapped.statusCode, mapped.code, mapped.message ?? error.details, details);
}

/**
 * The google.rpc.BadRequest field violations a service attached to its error (RichServerError), as the
 * API's details. The services name fields by their JSON names, which are the REST API's too.
 */
function fieldViolations(error: ClientError): FieldViolation[] | undefined {
  if (!(error instanceof RichClientError)) return undefined;
  const violations = error.extra.flatMap((detail) =>
    detail.$type === BadRequest.$type ? detail.fieldViolations : [],
  );
  return violations.map(({ field, description }) => ({ field, description }));
}

/** HTTP status of an error raised by Fastify or a plugin (validation, body parser, rate limit) → code. */
function codeOfStatus(statusCode: number): ErrorCode {
  switch (statusCode) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ALREADY_EXISTS';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    default:
      return 'INVALID_ARGUMENT';
  }
}

/** What is wrong with a value, in words for people (ajv's own are for developers). */
function describe(error: FastifySchemaValidationError): string {
  // ajv's params of the keywords below (https://ajv.js.org/api.html#error-parameters).
  const { limit, type, format } = error.params as { limit: number; type: string; format: string };
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'type':
      return `must be ${article(type)}`;
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`;
    case 'maxLength':
      return `must be at most ${limit} characters long`;
    case 'minimum':
      return `must be at least ${limit}`;
    case 'maximum':
      return `must be at most ${limit}`;
    case 'format':
      return format === 'email'
        ? 'must be a valid email address'
        : format === 'uuid'
          ? 'must be a UUID'
          : `must be a valid ${format}`;
    default:
      return error.message ?? 'is invalid';
  }
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

/**
 * One violation per field, in the order ajv found them: the field is the path inside the body (or the
 * query string, or the path parameters) as the API names it, `title` or `a.b`; the whole body when the
 * error is about it (`body must be an object`).
 */
export function validationDetails(
  errors: FastifySchemaValidationError[],
  context = 'body',
): FieldViolation[] {
  const byField = new Map<string, FieldViolation>();
  for (const error of errors) {
    const path = error.instancePath.split('/').slice(1);
    const params = error.params as { missingProperty?: string; additionalProperty?: string };
    if (error.keyword === 'required' && params.missingProperty) path.push(params.missingProperty);
    if (error.keyword === 'additionalProperties' && params.additionalProperty) {
      path.push(params.additionalProperty);
    }
    const field = path.length > 0 ? path.join('.') : context;
    if (!byField.has(field)) byField.set(field, { field, description: `${field} ${describe(error)}` });
  }
  return [...byField.values()];
}

const FIXED_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than 1 MiB',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
  FST_ERR_BAD_URL: 'Malformed URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URL parameter too long',
};

/** Turns any thrown value into the HTTP answer; logs what the client must not see. */
export function toHttpError(error: unknown, request: FastifyRequest): HttpError {
  if (error instanceof HttpError) return error;

  if (error instanceof ClientError) {
    const http = fromGrpcError(error);
    const details = { method: error.path, grpcCode: Status[error.code], details: error.details };
    if (http.statusCode >= 500) request.log.error(details, 'upstream call failed');
    else request.log.debug(details, 'upstream call rejected');
    return http;
  }

  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    const details = validationDetails(fastifyError.validation, fastifyError.validationContext);
    const message = details.map((detail) => detail.description).join('; ');
    return new HttpError(400, 'INVALID_ARGUMENT', message, details);
  }
  const statusCode = fastifyError.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Fastify's and its plugins' own client errors: fixed, safe messages.
    const message =
      (fastifyError.code && FIXED_MESSAGES[fastifyError.code]) ??
      (statusCode === 429 ? 'Too many requests, try again later' : (fastifyError.message ?? 'Bad request'));
    return new HttpError(statusCode, codeOfStatus(statusCode), message);
  }

  request.log.error({ err: error }, 'unhandled error');
  return new HttpError(500, 'INTERNAL', INTERNAL_MESSAGE);
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (isAbortError(error) && request.clientSignal?.aborted) {
    // The client went away; nobody reads this answer.
    request.log.info('request cancelled by the client');
    return reply.code(499).send();
  }
  const http = toHttpError(error, request);
  return reply.code(http.statusCode).send(http.body);
}

/** HTTP the server cannot even parse (Node's 'clientError'): answered on the socket, same body shape. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [statusCode, code, message]: [number, ErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'DEADLINE_EXCEEDED', 'Request timed out']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'INVALID_ARGUMENT', 'Request headers are too large']
        : [400, 'INVALID_ARGUMENT', 'Malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send({
    error: {
      code: 'NOT_FOUND',
      message: `Route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)} not found`,
    },
  });
}
