// The gRPC endpoints: caller identity from metadata, proto request → domain call → proto response;
// domain errors → gRPC status.
import { requireCallerId } from '@app/platform';
import { ServerError, Status } from 'nice-grpc';
import type { NotesServiceImplementation, Note as ProtoNote } from './gen/notes/v1/notes.js';
import { NotesError, type Note, type NoteService, type NotesErrorCode } from './service.js';

const STATUS = {
  INVALID_ID: Status.INVALID_ARGUMENT,
  INVALID_TITLE: Status.INVALID_ARGUMENT,
  INVALID_BODY: Status.INVALID_ARGUMENT,
  INVALID_EMAIL: Status.INVALID_ARGUMENT,
  INVALID_LIMIT: Status.INVALID_ARGUMENT,
  INVALID_CURSOR: Status.INVALID_ARGUMENT,
  SHARE_WITH_SELF: Status.INVALID_ARGUMENT,
  NOTE_NOT_FOUND: Status.NOT_FOUND,
  USER_NOT_FOUND: Status.NOT_FOUND,
  SHARE_NOT_FOUND: Status.NOT_FOUND,
  NOT_OWNER: Status.PERMISSION_DENIED,
  ALREADY_SHARED: Status.ALREADY_EXISTS,
  INVALID_INPUT: Status.INVALID_ARGUMENT,
  UNAVAILABLE: Status.UNAVAILABLE,
} satisfies Record<NotesErrorCode, Status>;

export function createNotesHandler(notes: NoteService): NotesServiceImplementation {
  return {
    listNotes: (request, context) =>
      call(async () => {
        const page = await notes.listNotes(requireCallerId(context), request);
        return { notes: page.notes.map(toProto), nextCursor: page.nextCursor };
      }),
    createNote: (request, context) =>
      call(async () => ({ note: toProto(await notes.createNote(requireCallerId(context), request)) })),
    getNote: ({ id }, context) =>
      call(async () => ({ note: toProto(await notes.getNote(requireCallerId(context), id)) })),
    updateNote: (request, context) =>
      call(async () => ({ note: toProto(await notes.updateNote(requireCallerId(context), request)) })),
    deleteNote: ({ id }, context) =>
      call(async () => {
        await notes.deleteNote(requireCallerId(context), id);
        return {};
      }),
    shareNote: (request, context) =>
      call(async () => ({ share: await notes.shareNote(requireCallerId(context), request, context.signal) })),
    unshareNote: (request, context) =>
      call(async () => {
        await notes.unshareNote(requireCallerId(context), request);
        return {};
      }),
    listShares: ({ noteId }, context) =>
      call(async () => ({
        shares: await notes.listShares(requireCallerId(context), noteId, context.signal),
      })),
  };
}

/** Domain errors carry messages written for clients; anything else is left to the error middleware. */
async function call<T>(endpoint: () => Promise<T>): Promise<T> {
  try {
    return await endpoint();
  } catch (error) {
    throw error instanceof NotesError ? toServerError(error) : error;
  }
}

function toServerError(error: NotesError): ServerError {
  return new ServerError(STATUS[error.code], error.message);
}

function toProto(note: Note): ProtoNote {
  return {
    id: note.id,
    ownerId: note.ownerId,
    title: note.title,
    body: note.body,
    sharedWith: note.sharedWith,
    createdAt: note.createdAt.toISOString(),
    updatedAt: note.updatedAt.toISOString(),
  };
}
