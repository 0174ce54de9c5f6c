// Compile-time help so that a field added to a proto message is never dropped on the way: `npm run proto`
// then `npm run check` lists every place that must forward it.
import { ServerError, type Status } from 'nice-grpc-common';
import { BadRequest, RichServerError } from 'nice-grpc-error-details';

/**
 * Every field of T, each one written out (`undefined` where T allows it): a value typed `Complete<T>`
 * fails to compile when T gains a field it does not set, even an optional one that T itself would let
 * you leave out. Build each outgoing gRPC request as one.
 */
export type Complete<T> = { [K in keyof Required<T>]: T[K] };

/**
 * For a handler that destructures the fields of a request it forwards: pass the rest here. A field added
 * to the request message lands in `rest`, which then fails to compile.
 */
export function allFieldsUsed(rest: Record<string, never>): void {
  void rest;
}

/**
 * The ServerError for a domain error; when the error is about one request field, a RichServerError with
 * a `google.rpc.BadRequest` field violation naming it (its JSON name, e.g. `noteId`), which callers (the
 * gateway) read to say which field was wrong without parsing the message.
 */
export function serverError(code: Status, message: string, field?: string): ServerError {
  if (field === undefined) return new ServerError(code, message);
  return new RichServerError(code, message, [
    BadRequest.fromPartial({ fieldViolations: [{ field, description: message }] }),
  ]);
}
