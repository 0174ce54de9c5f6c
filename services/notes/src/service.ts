// The notes domain: notes owned by a user and shared read-only with other users. It knows nothing of
// gRPC or SQL; storage (NoteRepository) and the users service (UserDirectory) are ports, implemented
// by adapters in db.ts and users.ts. Every method takes the caller's id, established by the transport.
import { randomUUID } from 'node:crypto';
import { NOTE_LIMITS } from './limits.js';

export interface Note {
  id: string;
  ownerId: string;
  title: string;
  body: string;
  /** Ids of the users the note is shared with (read-only). */
  sharedWith: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface Share {
  userId: string;
  email: string;
}

/** A note's place in the list order (createdAt desc, then id desc); pages continue after it. */
export interface NotePosition {
  createdAt: Date;
  id: string;
}

/** The inputs of the operations (the handler builds each from its request, field for field). */
export interface ListNotesInput {
  /** 0 means the default. */
  limit: number;
  /** '' for the first page. */
  cursor: string;
}
export interface CreateNoteInput {
  title: string;
  body: string;
}
export interface UpdateNoteInput {
  id: string;
  /** Only the fields that are given change. */
  title?: string | undefined;
  body?: string | undefined;
}
export interface ShareNoteInput {
  noteId: string;
  email: string;
}
export interface UnshareNoteInput {
  noteId: string;
  userId: string;
}

export interface NoteChanges {
  title?: string;
  body?: string;
  updatedAt: Date;
}

export interface NoteRepository {
  insert(note: Note): Promise<void>;
  findById(id: string): Promise<Note | null>;
  /** Changes only the given fields. Returns false when the note no longer exists. */
  update(id: string, changes: NoteChanges): Promise<boolean>;
  /** Deletes the note and its shares. Returns false when the note no longer exists. */
  delete(id: string): Promise<boolean>;
  /**
   * The notes the user owns or that are shared with them, newest first (createdAt desc, id desc),
   * starting strictly after `after` when given; at most `limit`.
   */
  listVisibleTo(userId: string, options: { limit: number; after?: NotePosition }): Promise<Note[]>;
  /**
   * Shares the note with the user. Returns false when it already is. Throws ShareNoteError('NOTE_NOT_FOUND')
   * when the note was deleted in the meantime.
   */
  addShare(noteId: string, userId: string): Promise<boolean>;
  /** Returns false when the note was not shared with the user. */
  removeShare(noteId: string, userId: string): Promise<boolean>;
}

export interface DirectoryUser {
  id: string;
  email: string;
}

/** The users known to the platform (the users service). */
export interface UserDirectory {
  /**
   * The user with this email (case-insensitively), or null when there is none.
   * Throws UnavailableError when the directory cannot answer in time.
   */
  findByEmail(email: string, signal?: AbortSignal): Promise<DirectoryUser | null>;
  /**
   * The users with these ids, in one round trip, in no particular order; an id of no user (any more)
   * is left out. Throws UnavailableError likewise.
   */
  findByIds(ids: string[], signal?: AbortSignal): Promise<DirectoryUser[]>;
}

export type NotesErrorCode =
  | 'INVALID_ID'
  | 'INVALID_TITLE'
  | 'INVALID_BODY'
  | 'INVALID_EMAIL'
  | 'INVALID_LIMIT'
  | 'INVALID_CURSOR'
  | 'SHARE_WITH_SELF'
  | 'NOTE_NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'SHARE_NOT_FOUND'
  | 'NOT_OWNER'
  | 'ALREADY_SHARED'
  | 'INVALID_INPUT'
  | 'UNAVAILABLE';

/**
 * Every error of this domain: a stable `code`, a message fit to show to a client and, when the error is
 * about one input field, that field's name (as in the operation's input: `title`, `noteId`).
 */
export abstract class NotesError<Code extends NotesErrorCode = NotesErrorCode> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

type InvalidId = 'INVALID_ID';
type Access = 'NOTE_NOT_FOUND' | 'NOT_OWNER';

export class ListNotesError extends NotesError<'INVALID_LIMIT' | 'INVALID_CURSOR'> {}
export class CreateNoteError extends NotesError<'INVALID_TITLE' | 'INVALID_BODY'> {}
export class GetNoteError extends NotesError<InvalidId | 'NOTE_NOT_FOUND'> {}
export class UpdateNoteError extends NotesError<InvalidId | 'INVALID_TITLE' | 'INVALID_BODY' | Access> {}
export class DeleteNoteError extends NotesError<InvalidId | Access> {}
export class ShareNoteError extends NotesError<
  InvalidId | 'INVALID_EMAIL' | 'SHARE_WITH_SELF' | 'USER_NOT_FOUND' | 'ALREADY_SHARED' | Access
> {
  static noteNotFound() {
    return new ShareNoteError('NOTE_NOT_FOUND', NOTE_NOT_FOUND);
  }
}
export class UnshareNoteError extends NotesError<InvalidId | 'SHARE_NOT_FOUND' | Access> {}
export class ListSharesError extends NotesError<InvalidId | Access> {}

/**
 * Thrown by the ports when the storage refuses a value it cannot hold (e.g. a NUL character in a
 * text); any operation that takes client input may fail with it.
 */
export class InvalidInputError extends NotesError<'INVALID_INPUT'> {
  constructor() {
    super('INVALID_INPUT', 'The request contains a value that cannot be stored (e.g. a NUL character)');
  }
}

/** Thrown by the ports when the database or the users service cannot be reached; any operation may fail with it. */
export class UnavailableError extends NotesError<'UNAVAILABLE'> {
  constructor() {
    super('UNAVAILABLE', 'Notes are temporarily unavailable, try again later');
  }
}

const { titleMaxLength: TITLE_MAX, bodyMaxLength: BODY_MAX } = NOTE_LIMITS;
const { pageSizeMax: LIMIT_MAX, pageSizeDefault: LIMIT_DEFAULT } = NOTE_LIMITS;

// Never "forbidden" for a note the caller may not see: that would reveal that it exists.
const NOTE_NOT_FOUND = 'Note not found';
const NOT_OWNER = 'Only the owner of this note can change it';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Length in characters (code points), as a person counts them. */
const length = (value: string) => [...value].length;

export interface NotePage {
  notes: Note[];
  /** Pass back to get the next page; absent on the last page. */
  nextCursor?: string;
}

export interface NoteServiceOptions {
  notes: NoteRepository;
  users: UserDirectory;
  now?: () => Date;
}

export class NoteService {
  readonly #notes: NoteRepository;
  readonly #users: UserDirectory;
  readonly #now: () => Date;

  constructor(options: NoteServiceOptions) {
    this.#notes = options.notes;
    this.#users = options.users;
    this.#now = options.now ?? (() => new Date());
  }

  /** The caller's notes and the notes shared with them, newest first. `limit` 0 means the default. */
  async listNotes(callerId: string, input: ListNotesInput): Promise<NotePage> {
    const limit = input.limit === 0 ? LIMIT_DEFAULT : input.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX) {
      throw new ListNotesError('INVALID_LIMIT', `limit must be from 1 to ${LIMIT_MAX}`, 'limit');
    }
    const after = input.cursor === '' ? undefined : decodeCursor(input.cursor);
    // One extra row tells whether there is a next page without a count query.
    const notes = await this.#notes.listVisibleTo(callerId, { limit: limit + 1, after });
    if (notes.length <= limit) return { notes };
    const page = notes.slice(0, limit);
    return { notes: page, nextCursor: encodeCursor(page.at(-1)!) };
  }

  async createNote(callerId: string, input: CreateNoteInput): Promise<Note> {
    const title = validTitle(input.title, CreateNoteError);
    const body = validBody(input.body, CreateNoteError);
    const now = this.#now();
    const note: Note = {
      id: randomUUID(),
      ownerId: callerId,
      title,
      body,
      sharedWith: [],
      createdAt: now,
      updatedAt: now,
    };
    await this.#notes.insert(note);
    return note;
  }

  /** For the owner and for the users it is shared with. */
  async getNote(callerId: string, id: string): Promise<Note> {
    validId('id', id, GetNoteError);
    const note = await this.#notes.findById(id);
    if (!note || !canRead(note, callerId)) throw new GetNoteError('NOTE_NOT_FOUND', NOTE_NOT_FOUND);
    return note;
  }

  /** Changes the fields that are given; owner only. */
  async updateNote(callerId: string, input: UpdateNoteInput): Promise<Note> {
    validId('id', input.id, UpdateNoteError);
    const changes: NoteChanges = { updatedAt: this.#now() };
    if (input.title !== undefined) changes.title = validTitle(input.title, UpdateNoteError);
    if (input.body !== undefined) changes.body = validBody(input.body, UpdateNoteError);
    const note = await this.#ownedNote(callerId, input.id, UpdateNoteError);
    if (!(await this.#notes.update(note.id, changes))) {
      throw new UpdateNoteError('NOTE_NOT_FOUND', NOTE_NOT_FOUND);
    }
    return { ...note, ...changes };
  }

  /** Owner only. */
  async deleteNote(callerId: string, id: string): Promise<void> {
    validId('id', id, DeleteNoteError);
    const note = await this.#ownedNote(callerId, id, DeleteNoteError);
    if (!(await this.#notes.delete(note.id))) throw new DeleteNoteError('NOTE_NOT_FOUND', NOTE_NOT_FOUND);
  }

  /** Shares the note, read-only, with the user who has this email; owner only. */
  async shareNote(callerId: string, input: ShareNoteInput, signal?: AbortSignal): Promise<Share> {
    validId('noteId', input.noteId, ShareNoteError);
    const email = input.email.trim();
    if (email === '') throw new ShareNoteError('INVALID_EMAIL', 'email must not be empty', 'email');
    const note = await this.#ownedNote(callerId, input.noteId, ShareNoteError);
    const user = await this.#users.findByEmail(email, signal);
    if (!user) throw new ShareNoteError('USER_NOT_FOUND', 'User not found');
    if (user.id === callerId) {
      throw new ShareNoteError('SHARE_WITH_SELF', 'You cannot share a note with yourself');
    }
    if (!(await this.#notes.addShare(note.id, user.id))) {
      throw new ShareNoteError('ALREADY_SHARED', 'The note is already shared with this user');
    }
    return { userId: user.id, email: user.email };
  }

  /** Stops sharing the note with the user; owner only. */
  async unshareNote(callerId: string, input: UnshareNoteInput): Promise<void> {
    validId('noteId', input.noteId, UnshareNoteError);
    validId('userId', input.userId, UnshareNoteError);
    const note = await this.#ownedNote(callerId, input.noteId, UnshareNoteError);
    if (!(await this.#notes.removeShare(note.id, input.userId))) {
      throw new UnshareNoteError('SHARE_NOT_FOUND', 'The note is not shared with this user');
    }
  }

  /**
   * Who the note is shared with, in the order it was shared, with their current emails; owner only.
   * A user who no longer exists is left out.
   */
  async listShares(callerId: string, noteId: string, signal?: AbortSignal): Promise<Share[]> {
    validId('noteId', noteId, ListSharesError);
    const note = await this.#ownedNote(callerId, noteId, ListSharesError);
    if (note.sharedWith.length === 0) return [];
    const found = new Map(
      (await this.#users.findByIds(note.sharedWith, signal)).map((user) => [user.id, user.email]),
    );
    return note.sharedWith.flatMap((userId) => {
      const email = found.get(userId);
      return email === undefined ? [] : [{ userId, email }];
    });
  }

  /** The note if the caller owns it: NOTE_NOT_FOUND if they may not see it, NOT_OWNER if it is only shared with them. */
  async #ownedNote(callerId: string, id: string, OperationError: ErrorClass<Access>): Promise<Note> {
    const note = await this.#notes.findById(id);
    if (!note || !canRead(note, callerId)) throw new OperationError('NOTE_NOT_FOUND', NOTE_NOT_FOUND);
    if (note.ownerId !== callerId) throw new OperationError('NOT_OWNER', NOT_OWNER);
    return note;
  }
}

function canRead(note: Note, userId: string): boolean {
  return note.ownerId === userId || note.sharedWith.includes(userId);
}

/** The error class of the operation at hand, so each operation throws only its own error type. */
type ErrorClass<Code extends NotesErrorCode> = new (
  code: Code,
  message: string,
  field?: string,
) => NotesError;

function validId(field: string, value: string, OperationError: ErrorClass<'INVALID_ID'>): void {
  if (!UUID.test(value)) throw new OperationError('INVALID_ID', `${field} must be a UUID`, field);
}

function validTitle(value: string, OperationError: ErrorClass<'INVALID_TITLE'>): string {
  const title = value.trim();
  if (length(title) < 1 || length(title) > TITLE_MAX) {
    throw new OperationError('INVALID_TITLE', `title must be 1 to ${TITLE_MAX} characters long`, 'title');
  }
  return title;
}

function validBody(value: string, OperationError: ErrorClass<'INVALID_BODY'>): string {
  if (length(value) > BODY_MAX) {
    throw new OperationError('INVALID_BODY', `body must be at most ${BODY_MAX} characters long`, 'body');
  }
  return value;
}

/**
 * Cursors are opaque to clients: base64url of the last note's position. Keyset pagination on
 * (createdAt, id) cannot skip or repeat a note when notes are added between pages, unlike an offset.
 */
export function encodeCursor(position: NotePosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): NotePosition {
  const [time = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(time);
  if (
    rest.length > 0 ||
    !UUID.test(id) ||
    Number.isNaN(createdAt.getTime()) ||
    createdAt.toISOString() !== time
  ) {
    throw new ListNotesError('INVALID_CURSOR', 'cursor is not one this service returned', 'cursor');
  }
  return { createdAt, id };
}
