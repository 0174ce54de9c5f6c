// The gRPC endpoints: caller identity from metadata, proto request → domain call → proto response;
// domain errors → gRPC status.
import { allFieldsUsed, requireCallerId, serverError } from '@app/platform';
import { type ServerError, Status } from 'nice-grpc';
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

// Each endpoint names every field of its request and passes the rest to allFieldsUsed, and builds the
// domain input as a literal: a field added to a request message fails `npm run check` here until it is
// forwarded, and then until the domain input takes it.
export function createNotesHandler(notes: NoteService): NotesServiceImplementation {
  return {
    listNotes: ({ limit, cursor, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        const page = await notes.listNotes(requireCallerId(context), { limit, cursor });
        return { notes: page.notes.map(toProto), nextCursor: page.nextCursor };
      }),
    createNote: ({ title, body, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        return { note: toProto(await notes.createNote(requireCallerId(context), { title, body })) };
      }),
    getNote: ({ id, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        return { note: toProto(await notes.getNote(requireCallerId(context), id)) };
      }),
    updateNote: ({ id, title, body, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        return { note: toProto(await notes.updateNote(requireCallerId(context), { id, title, body })) };
      }),
    deleteNote: ({ id, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        await notes.deleteNote(requireCallerId(context), id);
        return {};
      }),
    shareNote: ({ noteId, email, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        const share = await notes.shareNote(requireCallerId(context), { noteId, email }, context.signal);
        return { share };
      }),
    unshareNote: ({ noteId, userId, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        await notes.unshareNote(requireCallerId(context), { noteId, userId });
        return {};
      }),
    listShares: ({ noteId, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        return { shares: await notes.listShares(requireCallerId(context), noteId, context.signal) };
      }),
  };
}

/** Domain errors carry messages written for clients; anything else is left to the error middleware. */
async function call<T>(endpoint: () => Promise<T>): Promise<T> {
  try {
    return await endpoint();
  } catch (error) {
    // (`instanceof` narrows the generic class to NotesError<any>.)
    throw error instanceof NotesError ? toServerError(error as NotesError) : error;
  }
}

/** A domain error about one input field carries it as a google.rpc.BadRequest field violation. */
function toServerError(error: NotesError): ServerError {
  return serverError(STATUS[error.code], error.message, error.field);
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
