// The storage adapter: the domain's NoteRepository on Postgres through MikroORM. One EntityManager fork
// per call; driver errors become domain errors here and nowhere else.
import { classifyDriverError, type MikroORM } from '@app/platform';
import {
  ForeignKeyConstraintViolationException,
  UniqueConstraintViolationException,
  type EntityManager,
  type FilterQuery,
} from '@mikro-orm/postgresql';
import { Note, NoteShare } from './entities.js';
import {
  InvalidInputError,
  ShareNoteError,
  UnavailableError,
  type Note as DomainNote,
  type NoteChanges,
  type NotePosition,
  type NoteRepository,
} from './service.js';

export class PostgresNoteRepository implements NoteRepository {
  constructor(private readonly orm: MikroORM) {}

  insert({ sharedWith: _, ...note }: DomainNote): Promise<void> {
    return guard(async () => {
      await this.orm.em.fork().insert(Note, note);
    });
  }

  findById(id: string): Promise<DomainNote | null> {
    return guard(async () => {
      const em = this.orm.em.fork();
      const note = await em.findOne(Note, { id });
      return note && (await withShares(em, [note]))[0]!;
    });
  }

  update(id: string, changes: NoteChanges): Promise<boolean> {
    return guard(async () => (await this.orm.em.fork().nativeUpdate(Note, { id }, changes)) > 0);
  }

  delete(id: string): Promise<boolean> {
    // note_shares rows go with it (on delete cascade).
    return guard(async () => (await this.orm.em.fork().nativeDelete(Note, { id })) > 0);
  }

  listVisibleTo(userId: string, options: { limit: number; after?: NotePosition }): Promise<DomainNote[]> {
    return guard(async () => {
      const em = this.orm.em.fork();
      const sharedWithUser = em.createQueryBuilder(NoteShare).select('noteId').where({ userId });
      const where: FilterQuery<Note> = { $or: [{ ownerId: userId }, { id: { $in: sharedWithUser } }] };
      const notes = await em.find(Note, options.after ? { $and: [where, after(options.after)] } : where, {
        orderBy: { createdAt: 'desc', id: 'desc' },
        limit: options.limit,
      });
      return withShares(em, notes);
    });
  }

  addShare(noteId: string, userId: string): Promise<boolean> {
    return guard(async () => {
      try {
        await this.orm.em.fork().insert(NoteShare, { noteId, userId, createdAt: new Date() });
        return true;
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) return false;
        if (error instanceof ForeignKeyConstraintViolationException) throw ShareNoteError.noteNotFound();
        throw error;
      }
    });
  }

  removeShare(noteId: string, userId: string): Promise<boolean> {
    return guard(async () => (await this.orm.em.fork().nativeDelete(NoteShare, { noteId, userId })) > 0);
  }
}

/** Strictly after the position in the list order (createdAt desc, id desc). */
function after(position: NotePosition): FilterQuery<Note> {
  return {
    $or: [
      { createdAt: { $lt: position.createdAt } },
      { createdAt: position.createdAt, id: { $lt: position.id } },
    ],
  };
}

/** The domain notes, each with the ids of the users it is shared with (one query for all of them). */
async function withShares(em: EntityManager, notes: Note[]): Promise<DomainNote[]> {
  const shares =
    notes.length === 0
      ? []
      : await em.find(
          NoteShare,
          { noteId: { $in: notes.map((note) => note.id) } },
          { orderBy: { createdAt: 'asc', userId: 'asc' } },
        );
  return notes.map((note) => ({
    id: note.id,
    ownerId: note.ownerId,
    title: note.title,
    body: note.body,
    sharedWith: shares.filter((share) => share.noteId === note.id).map((share) => share.userId),
    createdAt: note.createdAt,
    updatedAt: note.updatedAt,
  }));
}

/**
 * Runs a query; driver errors become domain errors by kind: a database that cannot be reached
 * UnavailableError, a value it refuses (e.g. a NUL character) InvalidInputError. Constraint
 * violations are mapped where they can happen (addShare); anything else is a bug (INTERNAL).
 */
async function guard<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    const kind = classifyDriverError(error);
    if (kind === 'unavailable') throw new UnavailableError();
    if (kind === 'invalid-data') throw new InvalidInputError();
    throw error;
  }
}
