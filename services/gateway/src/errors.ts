// The one place where failures become HTTP responses. Every error body has the shape
// {"error": {"code", "message"}}; nothing internal (stack, SQL, addresses) ever reaches a client:
// 5xx answers carry a fixed message and the details go to the log.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ClientError, Status } from 'nice-grpc-common';
import { Type } from 'typebox';

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

const errorBody = (description?: string) =>
  Type.Object(
    {
      error: Type.Object(
        {
          code: Type.String({ description: 'gRPC-style code, e.g. NOT_FOUND' }),
          message: Type.String({ description: 'Human readable; safe to show' }),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false, title: 'Error', ...(description ? { description } : {}) },
  );

/** The body of every error answer: {"error": {"code", "message"}}. */
export const ErrorBody = errorBody();

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (the message names the field)',
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
): { [K in S[number]]: typeof ErrorBody } {
  return Object.fromEntries(statuses.map((status) => [status, errorBody(DESCRIPTIONS[status])])) as {
    [K in S[number]]: typeof ErrorBody;
  };
}

/** The answers of any route that calls a service: internal error, service down, service too slow. */
export const UPSTREAM_ERRORS = [500, 503, 504] as const;

/** An error with its HTTP answer; the message is shown to the client as is. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
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
  return new HttpError(mapped.statusCode, mapped.code, mapped.message ?? error.details);
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

/** "body/email must match format "email"", naming the field for unknown properties too. */
function validationMessage(error: FastifyError): string {
  const [first] = error.validation ?? [];
  if (!first) return error.message;
  const where = `${error.validationContext ?? 'request'}${first.instancePath}`;
  const extra = first.params as { additionalProperty?: string };
  if (first.keyword === 'additionalProperties' && extra.additionalProperty) {
    return `${where}/${extra.additionalProperty} is not allowed`;
  }
  return `${where} ${first.message ?? 'is invalid'}`;
}

const FIXED_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than 1 MiB',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
  FST_ERR_BAD_URL: 'Malformed URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URL parameter too long',
};

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

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
    return new HttpError(400, 'INVALID_ARGUMENT', validationMessage(error as FastifyError));
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
  return reply.code(http.statusCode).send({ error: { code: http.code, message: http.message } });
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
