// TypeBox schemas shared by the routes: what the gateway answers, exactly as DESIGN.md's table says.
// They validate requests, serialize responses and generate the OpenAPI document.
import { Type, type Static } from 'typebox';

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339' });
export const Email = Type.String({ format: 'email', maxLength: 254 });

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

/** A 204 answer has no body. */
export const NoContent = Type.Null({ description: 'No content' });

/** Routes that need `Authorization: Bearer <access token>` declare this (OpenAPI). */
export const bearer = [{ bearerAuth: [] }];
