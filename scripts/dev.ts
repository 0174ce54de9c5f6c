// `npm run dev`: the whole platform on this machine, with reload on save.
// Postgres (embedded, data in .data/postgres, or DATABASE_URL), one database per service, then every
// service in watch mode. Ctrl-C stops everything, services first, Postgres last.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureDatabase, startLocalPostgres, type LocalPostgres } from '@app/platform';
import { formatLogLine } from './log-format.ts';

const root = resolve(import.meta.dirname, '..');

interface Process {
  name: string;
  workspace: string;
  env: Record<string, string>;
  /** What to print once it listens. */
  url: (port: number) => string;
}

const env = process.env;
const ports = {
  users: env.USERS_PORT ?? '50051',
  notes: env.NOTES_PORT ?? '50052',
  gateway: env.GATEWAY_PORT ?? '8080',
  web: env.WEB_PORT ?? '3000',
};

let postgres: LocalPostgres | undefined;
const children: ChildProcess[] = [];
let stopping = false;

async function main() {
  const adminUrl = await databaseServer();
  const usersDb = env.USERS_DATABASE_URL ?? (await ensureDatabase(adminUrl!, 'users'));
  const notesDb = env.NOTES_DATABASE_URL ?? (await ensureDatabase(adminUrl!, 'notes'));

  const processes: Process[] = [
    {
      name: 'users',
      workspace: 'services/users',
      env: { PORT: ports.users, DATABASE_URL: usersDb },
      url: (p) => `grpc://127.0.0.1:${p}`,
    },
    {
      name: 'notes',
      workspace: 'services/notes',
      env: { PORT: ports.notes, DATABASE_URL: notesDb, USERS_ADDR: `127.0.0.1:${ports.users}` },
      url: (p) => `grpc://127.0.0.1:${p}`,
    },
    {
      name: 'gateway',
      workspace: 'services/gateway',
      env: {
        PORT: ports.gateway,
        USERS_ADDR: `127.0.0.1:${ports.users}`,
        NOTES_ADDR: `127.0.0.1:${ports.notes}`,
      },
      url: (p) => `http://localhost:${p}  (API docs: http://localhost:${p}/docs)`,
    },
    {
      name: 'web',
      workspace: 'web',
      env: {
        PORT: ports.web,
        GATEWAY_URL: `http://127.0.0.1:${ports.gateway}`,
        ORIGIN: `http://localhost:${ports.web}`,
      },
      url: (p) => `http://localhost:${p}`,
    },
  ];

  const listening = processes.map((p) => start(p));
  const urls = await Promise.all(listening);
  const width = Math.max(...processes.map((p) => p.name.length), 'postgres'.length);
  console.log(
    [
      '',
      'Everything is up:',
      ...processes.map((p, i) => `  ${p.name.padEnd(width)}  ${urls[i]}`),
      `  ${'postgres'.padEnd(width)}  ${redact(adminUrl ?? usersDb)}`,
      '',
      'Edit any file to reload it. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

/** An admin URL of the Postgres server to use: DATABASE_URL, or the embedded one. */
async function databaseServer(): Promise<string | undefined> {
  if (env.USERS_DATABASE_URL && env.NOTES_DATABASE_URL) return undefined;
  if (env.DATABASE_URL) return env.DATABASE_URL;
  console.log('Starting Postgres (embedded; data in .data/postgres)…');
  postgres = await startLocalPostgres({
    dataDir: resolve(root, '.data/postgres'),
    port: env.PGPORT ? Number(env.PGPORT) : 0,
  });
  return postgres.adminUrl;
}

function start(p: Process): Promise<string> {
  const child = spawn('npm', ['run', 'dev', '--silent', '-w', p.workspace], {
    cwd: root,
    env: { ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'info', ...p.env, FORCE_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: Ctrl-C reaches it only through stop()
  });
  children.push(child);
  return new Promise((resolveUrl) => {
    const onLine = (line: string) => {
      const entry = parseJson(line);
      if (entry?.msg === 'listening' && typeof entry.port === 'number') resolveUrl(p.url(entry.port));
      // Vite prints its own banner instead of a JSON line.
      const vite = /Local:\s+http:\/\/[^:]+:(\d+)/.exec(line.replace(/\x1b\[[\d;]*m/g, ''));
      if (vite) resolveUrl(p.url(Number(vite[1])));
      console.log(formatLogLine(p.name, line, entry));
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`\n${p.name} exited (${signal ?? code}); stopping everything.`);
      void stop(1);
    });
  });
}

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  await Promise.all(children.map((child) => kill(child)));
  await postgres?.stop();
  console.log('Stopped.');
  process.exit(code);
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((done) => {
    const group = -child.pid!;
    const force = setTimeout(() => signalGroup(group, 'SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      signalGroup(group, 'SIGKILL'); // anything the watcher left behind
      done();
    });
    signalGroup(group, 'SIGTERM');
  });
}

function signalGroup(group: number, signal: NodeJS.Signals) {
  try {
    process.kill(group, signal);
  } catch {
    // already gone
  }
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
});
