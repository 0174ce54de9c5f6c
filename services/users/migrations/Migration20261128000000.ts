import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000000 extends Migration {
  override async up() {
    this.addSql(`
      create table users (
        id uuid primary key,
        email text not null,
        name text not null,
        password_hash text not null,
        created_at timestamptz not null default now()
      )`);
    this.addSql('create unique index users_email_lower_unique on users (lower(email))');
    this.addSql(`
      create table refresh_tokens (
        id uuid primary key,
        family_id uuid not null,
        user_id uuid not null references users (id) on delete cascade,
        token_hash text not null unique,
        expires_at timestamptz not null,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz not null default now()
      )`);
    this.addSql('create index refresh_tokens_family_id_index on refresh_tokens (family_id)');
    this.addSql('create index refresh_tokens_user_id_index on refresh_tokens (user_id)');
  }

  override async down() {
    this.addSql('drop table refresh_tokens');
    this.addSql('drop table users');
  }
}
