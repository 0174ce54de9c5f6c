import { Migration } from '@mikro-orm/migrations';

/**
 * Horizontal scale: state that every replica must share lives here, not in a process.
 * - refresh_tokens.successor_sealed: the grace window of rotation (concurrent refreshes of one token
 *   all get the same successor), see src/successor.ts.
 * - auth_attempts: log-in, sign-up and refresh throttling counts (hashed keys, fixed windows).
 */
export class Migration20261201100000 extends Migration {
  override async up() {
    this.addSql('alter table refresh_tokens add column successor_sealed text');
    this.addSql(`
      create table auth_attempts (
        key text primary key,
        count integer not null,
        window_ends_at timestamptz not null
      )`);
    this.addSql('create index auth_attempts_window_ends_at_index on auth_attempts (window_ends_at)');
  }

  override async down() {
    this.addSql('drop table auth_attempts');
    this.addSql('alter table refresh_tokens drop column successor_sealed');
  }
}
