// The storage adapter: the domain's NoteRepository on Postgres through MikroORM. One EntityManager fork
// per call; driver errors become domain errors here and nowhere else.
import { classifyDriverError, type MikroORM } from '@app/platform';
import {
  ForeignKeyConstraintViolationException,
  UniqueConstraintViolationException,
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
      const rows = await this.orm.em
        .fork()
        .execute<NoteRow[]>(`select ${NOTE_COLUMNS}, ${SHARED_WITH('n')} from notes n where n.id = ?`, [id]);
      return rows[0] ? toDomain(rows[0]) : null;
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
      // Own notes and notes shared with the user, each side read in list order from its own index
      // (notes (owner_id, created_at, id); note_shares (user_id, note_id)) and cut at `limit`, then
      // merged: a page costs the same whatever other users hold. One query, shares included.
      const cursor = options.after ? 'and (n.created_at, n.id) < (?::timestamptz, ?::uuid)' : '';
      const position = options.after ? [options.after.createdAt, options.after.id] : [];
      const rows = await this.orm.em.fork().execute<NoteRow[]>(
        `select page.*, ${SHARED_WITH('page')} from (
          (select ${NOTE_COLUMNS} from notes n
            where n.owner_id = ? ${cursor} order by n.created_at desc, n.id desc limit ?)
          union all
          (select ${NOTE_COLUMNS} from note_shares s join notes n on n.id = s.note_id
            where s.user_id = ? ${cursor} order by n.created_at desc, n.id desc limit ?)
        ) page order by page.created_at desc, page.id desc limit ?`,
        [userId, ...position, options.limit, userId, ...position, options.limit, options.limit],
      );
      return rows.map(toDomain);
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

/** A note as the lookup and list queries return it: raw rows, no entities on the read path. */
interface NoteRow {
  id: string;
  owner_id: string;
  title: string;
  body: string;
  /** As Postgres writes it (MikroORM leaves dates to its entities): `2026-01-01 00:00:00.001+00`. */
  created_at: string | Date;
  updated_at: string | Date;
  shared_with: string[];
}

const NOTE_COLUMNS = 'n.id, n.owner_id, n.title, n.body, n.created_at, n.updated_at';

/** The ids of the users a note is shared with, in the order it was shared (on the primary key). */
const SHARED_WITH = (note: string) =>
  `array(select s.user_id::text from note_shares s where s.note_id = ${note}.id
    order by s.created_at, s.user_id) as shared_with`;

function toDomain(row: NoteRow): DomainNote {
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    body: row.body,
    sharedWith: row.shared_with,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
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
