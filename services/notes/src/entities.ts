// MikroORM entities of the notes database. The schema itself is written by hand in migrations/.
import { defineEntity, p } from '@mikro-orm/core';

const NoteSchema = defineEntity({
  name: 'Note',
  tableName: 'notes',
  properties: {
    id: p.uuid().primary(),
    /** A user of the users service (another database: no foreign key). */
    ownerId: p.uuid(),
    title: p.string(),
    body: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export class Note extends NoteSchema.class {}
NoteSchema.setClass(Note);

/** One row per user a note is shared with (read-only). */
const NoteShareSchema = defineEntity({
  name: 'NoteShare',
  tableName: 'note_shares',
  properties: {
    noteId: p.uuid().primary(),
    userId: p.uuid().primary(),
    createdAt: p.datetime(),
  },
});
export class NoteShare extends NoteShareSchema.class {}
NoteShareSchema.setClass(NoteShare);

export const entities = [NoteSchema, NoteShareSchema];
