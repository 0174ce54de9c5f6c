// Proto messages → the JSON shapes of the REST API. A field the service must always set but did not is
// a bug upstream: it becomes a 500 (logged), never a half-filled answer.
import type { Note as NoteMessage } from '@app/notes';
import type { User as UserMessage } from '@app/users';
import type { Note, User } from './schemas.js';

export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`upstream answer lacks ${what}`);
  return value;
}

export function toUser(message: UserMessage | undefined): User {
  const user = present(message, 'user');
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    createdAt: present(user.createdAt, 'user.createdAt'),
  };
}

export function toNote(message: NoteMessage | undefined): Note {
  const note = present(message, 'note');
  return {
    id: note.id,
    ownerId: note.ownerId,
    title: note.title,
    body: note.body,
    sharedWith: note.sharedWith,
    createdAt: present(note.createdAt, 'note.createdAt'),
    updatedAt: present(note.updatedAt, 'note.updatedAt'),
  };
}
