// Unit tests of the notes domain: the rules of ownership, sharing, validation and paging, with both
// ports faked in memory (no database, no users service).
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateNoteError,
  DeleteNoteError,
  encodeCursor,
  GetNoteError,
  ListNotesError,
  ListSharesError,
  NoteService,
  NotesError,
  ShareNoteError,
  UnavailableError,
  UnshareNoteError,
  UpdateNoteError,
  type Note,
} from '../src/service.js';
import { InMemoryNoteRepository, InMemoryUserDirectory } from './fakes.js';

const alice = { id: randomUUID(), email: 'alice@example.com' };
const bob = { id: randomUUID(), email: 'bob@example.com' };
const carol = { id: randomUUID(), email: 'carol@example.com' };

let repository: InMemoryNoteRepository;
let directory: InMemoryUserDirectory;
let clock: Date;
let notes: NoteService;

beforeEach(() => {
  repository = new InMemoryNoteRepository();
  directory = new InMemoryUserDirectory();
  [alice, bob, carol].forEach((user) => directory.add(user));
  clock = new Date('2026-01-01T00:00:00.000Z');
  notes = new NoteService({ notes: repository, users: directory, now: () => clock });
});

/** Moves the clock on by `ms`. */
const tick = (ms = 1) => (clock = new Date(clock.getTime() + ms));

async function expectError(
  promise: Promise<unknown>,
  type: new (...args: never[]) => NotesError,
  code: string,
) {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(type);
  expect(error).toMatchObject({ code });
  return error as NotesError;
}

const create = (ownerId: string, title = 'A title', body = 'A body') =>
  notes.createNote(ownerId, { title, body });

describe('createNote', () => {
  it('stores the note for the caller with a trimmed title', async () => {
    const note = await create(alice.id, '  Groceries  ', 'milk');
    expect(note).toMatchObject({ ownerId: alice.id, title: 'Groceries', body: 'milk', sharedWith: [] });
    expect(note.createdAt).toEqual(clock);
    expect(note.updatedAt).toEqual(clock);
    expect(await repository.findById(note.id)).toEqual(note);
  });

  it('counts characters, not UTF-16 units: 200 emoji make a valid title', async () => {
    await expect(create(alice.id, '📝'.repeat(200))).resolves.toBeDefined();
    await expectError(create(alice.id, '📝'.repeat(201)), CreateNoteError, 'INVALID_TITLE');
  });

  it.each(['', '   ', 'x'.repeat(201)])('rejects the title %j', async (title) => {
    const error = await expectError(create(alice.id, title), CreateNoteError, 'INVALID_TITLE');
    expect(error.message).toBe('title must be 1 to 200 characters long');
    expect(repository.notes.size).toBe(0);
  });

  it('accepts an empty body and one of 100000 characters, not more', async () => {
    await expect(create(alice.id, 'Empty', '')).resolves.toBeDefined();
    await expect(create(alice.id, 'Long', 'b'.repeat(100_000))).resolves.toBeDefined();
    await expectError(create(alice.id, 'Too long', 'b'.repeat(100_001)), CreateNoteError, 'INVALID_BODY');
  });
});

describe('getNote', () => {
  it('lets the owner read the note', async () => {
    const note = await create(alice.id);
    expect(await notes.getNote(alice.id, note.id)).toEqual(note);
  });

  it('answers NOTE_NOT_FOUND to anyone else, exactly as for a note that does not exist', async () => {
    const note = await create(alice.id);
    const hidden = await expectError(notes.getNote(bob.id, note.id), GetNoteError, 'NOTE_NOT_FOUND');
    const missing = await expectError(notes.getNote(bob.id, randomUUID()), GetNoteError, 'NOTE_NOT_FOUND');
    expect(hidden.message).toBe(missing.message);
  });

  it('lets a user the note is shared with read it', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    expect(await notes.getNote(bob.id, note.id)).toMatchObject({ id: note.id, sharedWith: [bob.id] });
  });

  it('rejects an id that is not a UUID, naming the field', async () => {
    const error = await expectError(notes.getNote(alice.id, 'not-a-uuid'), GetNoteError, 'INVALID_ID');
    expect(error.message).toBe('id must be a UUID');
  });
});

describe('updateNote', () => {
  it('changes only the given fields and the update time', async () => {
    const note = await create(alice.id, 'Old title', 'Old body');
    tick(1000);
    const updated = await notes.updateNote(alice.id, { id: note.id, title: ' New title ' });
    expect(updated).toEqual({ ...note, title: 'New title', updatedAt: clock });
    expect(await repository.findById(note.id)).toEqual(updated);
  });

  it('is PERMISSION_DENIED (NOT_OWNER) for a user the note is only shared with', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    await expectError(
      notes.updateNote(bob.id, { id: note.id, title: 'Mine now' }),
      UpdateNoteError,
      'NOT_OWNER',
    );
    expect((await repository.findById(note.id))?.title).toBe(note.title);
  });

  it('is NOTE_NOT_FOUND for anyone else', async () => {
    const note = await create(alice.id);
    await expectError(
      notes.updateNote(bob.id, { id: note.id, title: 'x' }),
      UpdateNoteError,
      'NOTE_NOT_FOUND',
    );
  });

  it('validates the fields it changes', async () => {
    const note = await create(alice.id);
    await expectError(
      notes.updateNote(alice.id, { id: note.id, title: ' ' }),
      UpdateNoteError,
      'INVALID_TITLE',
    );
    await expectError(
      notes.updateNote(alice.id, { id: note.id, body: 'b'.repeat(100_001) }),
      UpdateNoteError,
      'INVALID_BODY',
    );
    await expectError(notes.updateNote(alice.id, { id: 'nope' }), UpdateNoteError, 'INVALID_ID');
  });
});

describe('deleteNote', () => {
  it('lets the owner delete the note', async () => {
    const note = await create(alice.id);
    await notes.deleteNote(alice.id, note.id);
    await expectError(notes.getNote(alice.id, note.id), GetNoteError, 'NOTE_NOT_FOUND');
  });

  it('is NOT_OWNER for a user it is shared with and NOTE_NOT_FOUND for anyone else', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    await expectError(notes.deleteNote(bob.id, note.id), DeleteNoteError, 'NOT_OWNER');
    await expectError(notes.deleteNote(carol.id, note.id), DeleteNoteError, 'NOTE_NOT_FOUND');
    expect(await repository.findById(note.id)).not.toBeNull();
  });
});

describe('shareNote', () => {
  it('shares with the user who has the email, whatever its letter case', async () => {
    const note = await create(alice.id);
    const share = await notes.shareNote(alice.id, { noteId: note.id, email: ' BOB@example.com ' });
    expect(share).toEqual({ userId: bob.id, email: bob.email });
    expect((await notes.getNote(alice.id, note.id)).sharedWith).toEqual([bob.id]);
  });

  it('is USER_NOT_FOUND for an email nobody has', async () => {
    const note = await create(alice.id);
    const error = await expectError(
      notes.shareNote(alice.id, { noteId: note.id, email: 'nobody@example.com' }),
      ShareNoteError,
      'USER_NOT_FOUND',
    );
    expect(error.message).toBe('User not found');
  });

  it('is SHARE_WITH_SELF when the owner gives their own email', async () => {
    const note = await create(alice.id);
    await expectError(
      notes.shareNote(alice.id, { noteId: note.id, email: alice.email }),
      ShareNoteError,
      'SHARE_WITH_SELF',
    );
  });

  it('is ALREADY_SHARED the second time', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    await expectError(
      notes.shareNote(alice.id, { noteId: note.id, email: bob.email }),
      ShareNoteError,
      'ALREADY_SHARED',
    );
  });

  it('is owner only, and tells a stranger nothing about the note or the email', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    await expectError(
      notes.shareNote(bob.id, { noteId: note.id, email: carol.email }),
      ShareNoteError,
      'NOT_OWNER',
    );
    await expectError(
      notes.shareNote(carol.id, { noteId: note.id, email: 'nobody@example.com' }),
      ShareNoteError,
      'NOTE_NOT_FOUND',
    );
  });

  it('validates the note id and the email', async () => {
    const error = await expectError(
      notes.shareNote(alice.id, { noteId: 'x', email: bob.email }),
      ShareNoteError,
      'INVALID_ID',
    );
    expect(error.message).toBe('noteId must be a UUID');
    const note = await create(alice.id);
    await expectError(
      notes.shareNote(alice.id, { noteId: note.id, email: '  ' }),
      ShareNoteError,
      'INVALID_EMAIL',
    );
  });

  it('fails with UnavailableError when the user directory is down', async () => {
    const note = await create(alice.id);
    directory.down = true;
    await expectError(
      notes.shareNote(alice.id, { noteId: note.id, email: bob.email }),
      UnavailableError,
      'UNAVAILABLE',
    );
  });
});

describe('listShares', () => {
  it('lists who the note is shared with, with emails, in the order it was shared', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: carol.email });
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    const calls = directory.batchCalls;
    expect(await notes.listShares(alice.id, note.id)).toEqual([
      { userId: carol.id, email: carol.email },
      { userId: bob.id, email: bob.email },
    ]);
    // One batch lookup for all of them, not one call per user.
    expect(directory.batchCalls - calls).toBe(1);
  });

  it('leaves out a user who no longer exists', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    directory.users.splice(directory.users.indexOf(bob), 1);
    expect(await notes.listShares(alice.id, note.id)).toEqual([]);
  });

  it('is owner only, and NOTE_NOT_FOUND for anyone who may not see the note', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    await expectError(notes.listShares(bob.id, note.id), ListSharesError, 'NOT_OWNER');
    await expectError(notes.listShares(carol.id, note.id), ListSharesError, 'NOTE_NOT_FOUND');
    await expectError(notes.listShares(alice.id, 'x'), ListSharesError, 'INVALID_ID');
  });

  it('is UNAVAILABLE when the users service is down', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    directory.down = true;
    await expectError(notes.listShares(alice.id, note.id), UnavailableError, 'UNAVAILABLE');
  });
});

describe('unshareNote', () => {
  it('takes read access away again', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    await notes.unshareNote(alice.id, { noteId: note.id, userId: bob.id });
    await expectError(notes.getNote(bob.id, note.id), GetNoteError, 'NOTE_NOT_FOUND');
  });

  it('is SHARE_NOT_FOUND for a user the note is not shared with', async () => {
    const note = await create(alice.id);
    await expectError(
      notes.unshareNote(alice.id, { noteId: note.id, userId: bob.id }),
      UnshareNoteError,
      'SHARE_NOT_FOUND',
    );
  });

  it('is owner only', async () => {
    const note = await create(alice.id);
    await notes.shareNote(alice.id, { noteId: note.id, email: bob.email });
    await expectError(
      notes.unshareNote(bob.id, { noteId: note.id, userId: bob.id }),
      UnshareNoteError,
      'NOT_OWNER',
    );
    await expectError(
      notes.unshareNote(carol.id, { noteId: note.id, userId: bob.id }),
      UnshareNoteError,
      'NOTE_NOT_FOUND',
    );
  });

  it('names the malformed field', async () => {
    const note = await create(alice.id);
    const error = await expectError(
      notes.unshareNote(alice.id, { noteId: note.id, userId: 'x' }),
      UnshareNoteError,
      'INVALID_ID',
    );
    expect(error.message).toBe('userId must be a UUID');
  });
});

describe('listNotes', () => {
  /** Every page from the first on, as a list of pages of titles. */
  async function allPages(userId: string, limit: number, between?: () => Promise<void>): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor = '';
    do {
      const page = await notes.listNotes(userId, { limit, cursor });
      pages.push(page.notes.map((note) => note.title));
      cursor = page.nextCursor ?? '';
      if (cursor) await between?.();
    } while (cursor);
    return pages;
  }

  async function createMany(ownerId: string, count: number, prefix = 'note'): Promise<Note[]> {
    const created: Note[] = [];
    for (let i = 1; i <= count; i++) {
      tick();
      created.push(await create(ownerId, `${prefix} ${i}`));
    }
    return created;
  }

  it('pages 5 notes 2 at a time, newest first, each exactly once', async () => {
    await createMany(alice.id, 5);
    expect(await allPages(alice.id, 2)).toEqual([['note 5', 'note 4'], ['note 3', 'note 2'], ['note 1']]);
  });

  it('has no next cursor when the last page is exactly full', async () => {
    await createMany(alice.id, 4);
    expect(await allPages(alice.id, 2)).toEqual([
      ['note 4', 'note 3'],
      ['note 2', 'note 1'],
    ]);
  });

  it('orders notes created in the same millisecond by id, without skipping any', async () => {
    for (let i = 0; i < 7; i++) await create(alice.id, `same ${i}`);
    const titles = (await allPages(alice.id, 3)).flat();
    expect(titles).toHaveLength(7);
    expect(new Set(titles).size).toBe(7);
  });

  it('neither skips nor repeats a note when notes are created between pages', async () => {
    await createMany(alice.id, 5);
    let added = 0;
    const pages = await allPages(alice.id, 2, async () => {
      tick();
      await create(alice.id, `added ${++added}`);
    });
    expect(pages.flat()).toEqual(['note 5', 'note 4', 'note 3', 'note 2', 'note 1']);
  });

  it('lists my notes and the notes shared with me, not the others', async () => {
    const [mine] = await createMany(alice.id, 1, 'mine');
    tick();
    const shared = await create(bob.id, 'shared');
    await notes.shareNote(bob.id, { noteId: shared.id, email: alice.email });
    tick();
    await create(bob.id, 'private');
    const page = await notes.listNotes(alice.id, { limit: 10, cursor: '' });
    expect(page.notes.map((note) => note.id)).toEqual([shared.id, mine!.id]);
    expect(page.nextCursor).toBeUndefined();
  });

  it('uses 20 when the limit is 0 and accepts 1..100', async () => {
    await createMany(alice.id, 21);
    expect((await notes.listNotes(alice.id, { limit: 0, cursor: '' })).notes).toHaveLength(20);
    expect((await notes.listNotes(alice.id, { limit: 1, cursor: '' })).notes).toHaveLength(1);
    expect((await notes.listNotes(alice.id, { limit: 100, cursor: '' })).notes).toHaveLength(21);
  });

  it.each([-1, 101])('rejects the limit %d', async (limit) => {
    const error = await expectError(
      notes.listNotes(alice.id, { limit, cursor: '' }),
      ListNotesError,
      'INVALID_LIMIT',
    );
    expect(error.message).toBe('limit must be from 1 to 100');
  });

  it.each([
    'garbage',
    Buffer.from('not|a-cursor').toString('base64url'),
    Buffer.from(`2026-13-45T00:00:00.000Z|${randomUUID()}`).toString('base64url'),
    Buffer.from(`2026-01-01T00:00:00.000Z|${randomUUID()}|extra`).toString('base64url'),
  ])('rejects the malformed cursor %j', async (cursor) => {
    await expectError(notes.listNotes(alice.id, { limit: 2, cursor }), ListNotesError, 'INVALID_CURSOR');
  });

  it('accepts a cursor it encoded', async () => {
    const [first] = await createMany(alice.id, 2);
    const cursor = encodeCursor({ createdAt: clock, id: randomUUID() });
    tick();
    const page = await notes.listNotes(alice.id, { limit: 10, cursor });
    expect(page.notes.map((note) => note.id)).toContain(first!.id);
  });
});
