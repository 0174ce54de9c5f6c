// Proto messages → the JSON shapes of the REST API. A field the service must always set but did not is
// a bug upstream: it becomes a 500 (logged), never a half-filled answer.
// Each converter names every field of its message and passes the rest to allFieldsUsed: a field added to
// a message fails `npm run check` here until it is passed on (and then until the schema has it).
import type { Note as NoteMessage, Share as ShareMessage } from '@app/notes';
import { allFieldsUsed } from '@app/platform';
import type { User as UserMessage } from '@app/users';
import type { Note, Share, User } from './schemas.js';

export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`upstream answer lacks ${what}`);
  return value;
}

export function toUser(message: UserMessage | undefined): User {
  const { id, email, name, createdAt, ...rest } = present(message, 'user');
  allFieldsUsed(rest);
  return { id, email, name, createdAt: present(createdAt, 'user.createdAt') };
}

export function toNote(message: NoteMessage | undefined): Note {
  const { id, ownerId, title, body, sharedWith, createdAt, updatedAt, ...rest } = present(message, 'note');
  allFieldsUsed(rest);
  return {
    id,
    ownerId,
    title,
    body,
    sharedWith,
    createdAt: present(createdAt, 'note.createdAt'),
    updatedAt: present(updatedAt, 'note.updatedAt'),
  };
}

export function toShare(message: ShareMessage): Share {
  const { userId, email, ...rest } = message;
  allFieldsUsed(rest);
  return { userId, email };
}
