import { Migration } from '@mikro-orm/migrations';

export class Migration__timestamp__ extends Migration {
  override async up() {
    // Millisecond precision, as JavaScript dates have: the list cursor holds a created_at and must
    // compare equal to the stored value.
    this.addSql(`
      create table items (
        id uuid primary key,
        owner_id uuid not null,
        name text not null,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      )`);
    // The list query: one owner's items, newest first, after a (created_at, id) cursor.
    this.addSql(
      'create index items_owner_id_created_at_id_index on items (owner_id, created_at desc, id desc)',
    );
  }

  override async down() {
    this.addSql('drop table items');
  }
}
