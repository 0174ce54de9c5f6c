// The REST contract of the gateway: TypeBox schemas of every request and answer, exactly as the API table
// says. They validate requests, serialize responses and generate the OpenAPI document, and their static
// types are what the web app's client uses (`import type` from `@app/gateway/schemas`), so the web's
// types match the wire. Limits come from the service that owns them (its index.ts): written once.
import { NOTE_LIMITS } from '@app/notes';
import { USER_LIMITS } from '@app/users';
import { Type, type Static } from 'typebox';
import { ERROR_CODES } from './error-codes.js';

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339' });
export const Email = Type.String({ format: 'email', maxLength: USER_LIMITS.emailMaxLength });

// Models (answers).

export const User = Type.Object(
  { id: Uuid, email: Email, name: Type.String(), createdAt: Timestamp },
  { additionalProperties: false, title: 'User' },
);
export type User = Static<typeof User>;

export const Note = Type.Object(
  {
    id: Uuid,
    ownerId: Uuid,
    title: Type.String(),
    body: Type.String(),
    sharedWith: Type.Array(Uuid, { description: 'Ids of the users the note is shared with' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false, title: 'Note' },
);
export type Note = Static<typeof Note>;

export const NotePage = Type.Object(
  { notes: Type.Array(Note), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false, title: 'NotePage' },
);
export type NotePage = Static<typeof NotePage>;

export const Share = Type.Object(
  { userId: Uuid, email: Email },
  { additionalProperties: false, title: 'Share' },
);
export type Share = Static<typeof Share>;

export const ShareList = Type.Object(
  { shares: Type.Array(Share) },
  { additionalProperties: false, title: 'ShareList' },
);
export type ShareList = Static<typeof ShareList>;

export const TokenPair = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Type.String(),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  },
  { additionalProperties: false, title: 'TokenPair' },
);
export type TokenPair = Static<typeof TokenPair>;

/** A 204 answer has no body. */
export const NoContent = Type.Null({ description: 'No content' });

// Requests. Unknown fields are rejected (400), never dropped or stored; body values are never coerced.

const { passwordMinLength, passwordMaxLength, nameMaxLength } = USER_LIMITS;
const { titleMaxLength, bodyMaxLength, pageSizeMax, pageSizeDefault } = NOTE_LIMITS;

export const SignupBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: passwordMinLength, maxLength: passwordMaxLength }),
    name: Type.String({ minLength: 1, maxLength: nameMaxLength }),
  },
  { additionalProperties: false },
);
export type SignupBody = Static<typeof SignupBody>;

export const LoginBody = Type.Object(
  // Any password an account could have; the length rules are for new passwords only.
  { email: Email, password: Type.String({ minLength: 1, maxLength: passwordMaxLength }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);
export type RefreshBody = Static<typeof RefreshBody>;

const Title = Type.String({ minLength: 1, maxLength: titleMaxLength });
const Body = Type.String({ maxLength: bodyMaxLength });

export const CreateNoteBody = Type.Object({ title: Title, body: Body }, { additionalProperties: false });
export type CreateNoteBody = Static<typeof CreateNoteBody>;

export const UpdateNoteBody = Type.Object(
  { title: Type.Optional(Title), body: Type.Optional(Body) },
  { additionalProperties: false },
);
export type UpdateNoteBody = Static<typeof UpdateNoteBody>;

export const ShareBody = Type.Object({ email: Email }, { additionalProperties: false });
export type ShareBody = Static<typeof ShareBody>;

export const NoteParams = Type.Object({ id: Uuid });
export const ShareParams = Type.Object({ id: Uuid, userId: Uuid });

export const DEFAULT_PAGE_SIZE = pageSizeDefault;
export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page' })),
});
export type ListQuery = Static<typeof ListQuery>;

// Errors.

export const FieldViolation = Type.Object(
  {
    field: Type.String({
      description: 'The request field, as the API names it: `title`, `id` (path), `a.b`',
    }),
    description: Type.String({ description: 'Human readable; safe to show next to the field' }),
  },
  { additionalProperties: false, title: 'FieldViolation' },
);

const ErrorCode = Type.Enum(ERROR_CODES, { description: 'gRPC-style code' });

/** The body of every error answer: {"error": {"code", "message", "details"?}}. */
export const errorBody = (description?: string) =>
  Type.Object(
    {
      error: Type.Object(
        {
          code: ErrorCode,
          message: Type.String({ description: 'Human readable; safe to show' }),
          details: Type.Optional(
            Type.Array(FieldViolation, {
              description: 'INVALID_ARGUMENT only: every field that was rejected, and why',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false, title: 'Error', ...(description ? { description } : {}) },
  );
export const ErrorBody = errorBody();
export type ErrorBody = Static<typeof ErrorBody>;

/** Routes that need `Authorization: Bearer <access token>` declare this (OpenAPI). */
export const bearer = [{ bearerAuth: [] }];
