// The Postgres adapter against a real database: storage, sharing, and the list query's keyset paging.
import { randomUUID } from 'node:crypto';
import { databaseConfig, openDatabase, type MikroORM } from '@app/platform';
import { createTestDatabase, freePort, type TestDatabase } from '@app/devkit';
import { MikroORM as PostgresORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { PostgresNoteRepository } from '../src/db.js';
import { entities } from '../src/entities.js';
import { NoteService, ShareNoteError, UnavailableError, type Note } from '../src/service.js';
import { InMemoryUserDirectory } from './fakes.js';

let database: TestDatabase;
let orm: MikroORM;
let repository: PostgresNoteRepository;

beforeAll(async () => {
  database = await createTestDatabase('notes');
  orm = await openDatabase({ url: database.url, entities, migrations });
  repository = new PostgresNoteRepository(orm);
});

afterAll(async () => {
  await orm?.close();
  await database?.drop();
});

beforeEach(async () => {
  await orm.em.fork().getConnection().execute('truncate notes cascade');
});

let clock = new Date('2026-01-01T00:00:00.000Z');
function newNote(ownerId: string, title: string, createdAt = (clock = new Date(clock.getTime() + 1))): Note {
  return {
    id: randomUUID(),
    ownerId,
    title,
    body: `body of ${title}`,
    sharedWith: [],
    createdAt,
    updatedAt: createdAt,
  };
}

async function insertMany(ownerId: string, count: number, prefix = 'note'): Promise<Note[]> {
  const notes: Note[] = [];
  for (let i = 1; i <= count; i++) {
    const note = newNote(ownerId, `${prefix} ${i}`);
    await repository.insert(note);
    notes.push(note);
  }
  return notes;
}

describe('PostgresNoteRepository', () => {
  it('stores a note and reads it back as it was', async () => {
    const note = newNote(randomUUID(), 'Groceries');
    await repository.insert(note);
    expect(await repository.findById(note.id)).toEqual(note);
    expect(await repository.findById(randomUUID())).toBeNull();
  });

  it('updates only the given fields and reports a missing note', async () => {
    const note = newNote(randomUUID(), 'Old');
    await repository.insert(note);
    const updatedAt = new Date(note.createdAt.getTime() + 5_000);
    expect(await repository.update(note.id, { title: 'New', updatedAt })).toBe(true);
    expect(await repository.findById(note.id)).toEqual({ ...note, title: 'New', updatedAt });
    expect(await repository.update(randomUUID(), { title: 'x', updatedAt })).toBe(false);
  });

  it('shares a note once, unshares it, and deletes shares with the note', async () => {
    const note = newNote(randomUUID(), 'Shared');
    const [bob, carol] = [randomUUID(), randomUUID()];
    await repository.insert(note);
    expect(await repository.addShare(note.id, bob)).toBe(true);
    expect(await repository.addShare(note.id, carol)).toBe(true);
    expect(await repository.addShare(note.id, bob)).toBe(false);
    expect((await repository.findById(note.id))?.sharedWith).toEqual([bob, carol]);

    expect(await repository.removeShare(note.id, bob)).toBe(true);
    expect(await repository.removeShare(note.id, bob)).toBe(false);
    expect((await repository.findById(note.id))?.sharedWith).toEqual([carol]);

    expect(await repository.delete(note.id)).toBe(true);
    expect(await repository.delete(note.id)).toBe(false);
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute('select count(*)::int as count from note_shares');
    expect(rows).toEqual([{ count: 0 }]);
  });

  it('answers NOTE_NOT_FOUND when sharing a note that is gone', async () => {
    await expect(repository.addShare(randomUUID(), randomUUID())).rejects.toSatisfy(
      (error) => error instanceof ShareNoteError && error.code === 'NOTE_NOT_FOUND',
    );
  });

  it('lists own and shared notes, newest first, and not the notes of others', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const [own] = await insertMany(alice, 1, 'own');
    const [shared, unshared] = await insertMany(bob, 2, 'bob');
    await repository.addShare(shared!.id, alice);
    const listed = await repository.listVisibleTo(alice, { limit: 10 });
    expect(listed.map((note) => note.id)).toEqual([shared!.id, own!.id]);
    expect(listed[0]?.sharedWith).toEqual([alice]);
    expect(listed.map((note) => note.id)).not.toContain(unshared!.id);
  });

  it('continues strictly after a position, ties on created_at broken by id', async () => {
    const owner = randomUUID();
    const sameTime = new Date('2026-06-01T12:00:00.123Z');
    const notes = Array.from({ length: 4 }, (_, i) => newNote(owner, `tie ${i}`, sameTime));
    for (const note of notes) await repository.insert(note);
    const expected = notes
      .map((note) => note.id)
      .sort()
      .reverse();

    const first = await repository.listVisibleTo(owner, { limit: 2 });
    expect(first.map((note) => note.id)).toEqual(expected.slice(0, 2));
    const rest = await repository.listVisibleTo(owner, { limit: 10, after: first[1]! });
    expect(rest.map((note) => note.id)).toEqual(expected.slice(2));
  });

  it('reports UnavailableError when the database cannot be reached', async () => {
    const url = `postgresql://postgres@127.0.0.1:${await freePort()}/nowhere`;
    const down = new PostgresORM(databaseConfig({ url, entities, migrations }));
    try {
      await expect(new PostgresNoteRepository(down).findById(randomUUID())).rejects.toBeInstanceOf(
        UnavailableError,
      );
    } finally {
      await down.close();
    }
  });
});

describe('paging through NoteService on Postgres', () => {
  const directory = new InMemoryUserDirectory();
  const service = () => new NoteService({ notes: repository, users: directory });

  async function titlesOfAllPages(
    userId: string,
    limit: number,
    between?: () => Promise<void>,
  ): Promise<string[]> {
    const titles: string[] = [];
    let cursor = '';
    do {
      const page = await service().listNotes(userId, { limit, cursor });
      titles.push(...page.notes.map((note) => note.title));
      cursor = page.nextCursor ?? '';
      if (cursor) await between?.();
    } while (cursor);
    return titles;
  }

  it('pages 5 notes with limit 2, each exactly once, newest first', async () => {
    const owner = randomUUID();
    await insertMany(owner, 5);
    expect(await titlesOfAllPages(owner, 2)).toEqual(['note 5', 'note 4', 'note 3', 'note 2', 'note 1']);
  });

  it('neither skips nor repeats a note when notes are created between pages', async () => {
    const owner = randomUUID();
    await insertMany(owner, 5);
    let added = 0;
    const titles = await titlesOfAllPages(owner, 2, () =>
      repository.insert(newNote(owner, `added ${++added}`)),
    );
    expect(added).toBe(2);
    expect(titles).toEqual(['note 5', 'note 4', 'note 3', 'note 2', 'note 1']);
  });

  it('pages through notes shared with the user among their own', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const mine = await insertMany(alice, 3, 'alice');
    const theirs = await insertMany(bob, 3, 'bob');
    await repository.addShare(theirs[0]!.id, alice);
    await repository.addShare(theirs[2]!.id, alice);
    expect(mine).toHaveLength(3);
    expect(await titlesOfAllPages(alice, 2)).toEqual(['bob 3', 'bob 1', 'alice 3', 'alice 2', 'alice 1']);
    expect(await titlesOfAllPages(bob, 2)).toEqual(['bob 3', 'bob 2', 'bob 1']);
  });
});
