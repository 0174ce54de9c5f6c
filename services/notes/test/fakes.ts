// In-memory implementations of the domain's ports, for unit tests of NoteService without a database
// or a users service. They keep the contracts documented on the ports (order, return values).
import type {
  DirectoryUser,
  Note,
  NoteChanges,
  NotePosition,
  NoteRepository,
  UserDirectory,
} from '../src/service.js';
import { ShareNoteError, UnavailableError } from '../src/service.js';

/** Newest first; id breaks ties, descending. */
const listOrder = (a: NotePosition, b: NotePosition) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export class InMemoryNoteRepository implements NoteRepository {
  readonly notes = new Map<string, Note>();

  async insert(note: Note): Promise<void> {
    this.notes.set(note.id, structuredClone(note));
  }

  async findById(id: string): Promise<Note | null> {
    const note = this.notes.get(id);
    return note ? structuredClone(note) : null;
  }

  async update(id: string, changes: NoteChanges): Promise<boolean> {
    const note = this.notes.get(id);
    if (note) Object.assign(note, changes);
    return note !== undefined;
  }

  async delete(id: string): Promise<boolean> {
    return this.notes.delete(id);
  }

  async listVisibleTo(userId: string, options: { limit: number; after?: NotePosition }): Promise<Note[]> {
    const { after } = options;
    return [...this.notes.values()]
      .filter((note) => note.ownerId === userId || note.sharedWith.includes(userId))
      .filter((note) => !after || listOrder(after, note) < 0)
      .sort(listOrder)
      .slice(0, options.limit)
      .map((note) => structuredClone(note));
  }

  async addShare(noteId: string, userId: string): Promise<boolean> {
    const note = this.notes.get(noteId);
    if (!note) throw ShareNoteError.noteNotFound();
    if (note.sharedWith.includes(userId)) return false;
    note.sharedWith.push(userId);
    return true;
  }

  async removeShare(noteId: string, userId: string): Promise<boolean> {
    const note = this.notes.get(noteId);
    if (!note?.sharedWith.includes(userId)) return false;
    note.sharedWith = note.sharedWith.filter((id) => id !== userId);
    return true;
  }
}

export class InMemoryUserDirectory implements UserDirectory {
  readonly users: DirectoryUser[] = [];
  /** When true, every lookup fails as if the users service were down. */
  down = false;

  add(user: DirectoryUser): DirectoryUser {
    this.users.push(user);
    return user;
  }

  async findByEmail(email: string): Promise<DirectoryUser | null> {
    if (this.down) throw new UnavailableError();
    return this.users.find((user) => user.email.toLowerCase() === email.toLowerCase()) ?? null;
  }

  /** How many findByIds calls were made (ListShares makes one). */
  batchCalls = 0;

  async findByIds(ids: string[]): Promise<DirectoryUser[]> {
    this.batchCalls++;
    if (this.down) throw new UnavailableError();
    return this.users.filter((user) => ids.includes(user.id));
  }
}
