import { Migration } from '@mikro-orm/migrations';

/**
 * The list query is now a UNION of the user's own notes (on notes_owner_id_created_at_id_index) and
 * the notes shared with them (on note_shares_user_id_index), so the index over every note in list
 * order serves no query any more: with many notes of other users the planner walked it and discarded
 * nearly every row. Dropped, which also makes every write cheaper.
 */
export class Migration20261201220000 extends Migration {
  override async up() {
    this.addSql('drop index if exists notes_created_at_id_index');
  }

  override async down() {
    this.addSql('create index notes_created_at_id_index on notes (created_at desc, id desc)');
  }
}
