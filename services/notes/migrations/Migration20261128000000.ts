import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000000 extends Migration {
  override async up() {
    // Times have millisecond precision, as JavaScript dates do: the list cursor holds a created_at
    // and must compare equal to the stored value.
    this.addSql(`
      create table notes (
        id uuid primary key,
        owner_id uuid not null,
        title text not null,
        body text not null,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      )`);
    // The list query (own notes or shared with me, newest first, after a (created_at, id) cursor):
    // either walk all notes in list order, or a user's own notes in list order; the planner picks.
    this.addSql('create index notes_created_at_id_index on notes (created_at desc, id desc)');
    this.addSql(
      'create index notes_owner_id_created_at_id_index on notes (owner_id, created_at desc, id desc)',
    );
    this.addSql(`
      create table note_shares (
        note_id uuid not null references notes (id) on delete cascade,
        user_id uuid not null,
        created_at timestamptz(3) not null,
        primary key (note_id, user_id)
      )`);
    // The list query: the notes shared with a user.
    this.addSql('create index note_shares_user_id_index on note_shares (user_id, note_id)');
  }

  override async down() {
    this.addSql('drop table note_shares');
    this.addSql('drop table notes');
  }
}
