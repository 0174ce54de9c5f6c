// The codes of the gateway's error answers ({"error": {"code", ...}}), written once: the gateway's
// ErrorCode, its OpenAPI document and the web app (through `@app/gateway/error-codes`) all use this
// list. No imports, so the web can bundle it as is.
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(value);
}

/** One field of a request that was rejected, in `details` of an INVALID_ARGUMENT answer. */
export interface FieldViolation {
  /** The request field, as the API names it (`title`; nested: `a.b`; a path parameter: `id`). */
  field: string;
  /** Human readable; safe to show next to the field. */
  description: string;
}
