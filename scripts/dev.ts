// `npm run dev`: the whole platform on this machine, with reload on save.
// Postgres (embedded, data in .data/postgres, or DATABASE_URL), one database per service, then every
// service in watch mode. Ctrl-C stops everything, services first, Postgres last.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureDatabase, startLocalPostgres, type LocalPostgres } from '@app/devkit';
import { formatLogLine } from './log-format.ts';
import { loadServices, root, upstreamEnv, workspaceOf, type Service } from './lib/services.ts';

const env = process.env;
const services = loadServices();

interface Process {
  service: Service;
  env: Record<string, string>;
  /** What to print once it listens. */
  url: (port: number) => string;
}

/** `USERS_PORT=…` and the like move a process off its default port. */
const portOf = (s: Service) => Number(env[`${envName(s)}_PORT`] ?? s.port);
const envName = (s: Service) => s.name.toUpperCase().replaceAll('-', '_');

let postgres: LocalPostgres | undefined;
const children: ChildProcess[] = [];
let stopping = false;

async function main() {
  const adminUrl = await databaseServer();
  const processes: Process[] = [];
  for (const service of services) {
    const port = portOf(service);
    const processEnv: Record<string, string> = {
      PORT: String(port),
      ...upstreamEnv(service, services, (callee) => ({
        address: `127.0.0.1:${portOf(callee)}`,
        url: `http://127.0.0.1:${portOf(callee)}`,
      })),
    };
    if (service.database)
      processEnv.DATABASE_URL =
        env[`${envName(service)}_DATABASE_URL`] ?? (await ensureDatabase(adminUrl!, databaseName(service)));
    if (service.kind === 'web') processEnv.ORIGIN = `http://localhost:${port}`;
    processes.push({ service, env: processEnv, url: urlPrinter(service) });
  }

  const listening = processes.map((p) => start(p));
  const urls = await Promise.all(listening);
  const width = Math.max(...services.map((s) => s.name.length), 'postgres'.length);
  console.log(
    [
      '',
      'Everything is up:',
      ...processes.map((p, i) => `  ${p.service.name.padEnd(width)}  ${urls[i]}`),
      ...(adminUrl ? [`  ${'postgres'.padEnd(width)}  ${redact(adminUrl)}`] : []),
      '',
      'Edit any file to reload it. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

function urlPrinter(service: Service): (port: number) => string {
  if (service.kind === 'grpc') return (p) => `grpc://127.0.0.1:${p}`;
  if (service.kind === 'http') return (p) => `http://localhost:${p}  (API docs: http://localhost:${p}/docs)`;
  return (p) => `http://localhost:${p}`;
}

const databaseName = (s: Service) => s.name.replaceAll('-', '_');

/** An admin URL of the Postgres server to use: DATABASE_URL, or the embedded one. */
async function databaseServer(): Promise<string | undefined> {
  const own = services.filter((s) => s.database && !env[`${envName(s)}_DATABASE_URL`]);
  if (own.length === 0) return undefined;
  if (env.DATABASE_URL) return env.DATABASE_URL;
  console.log('Starting Postgres (embedded; data in .data/postgres)…');
  postgres = await startLocalPostgres({
    dataDir: resolve(root, '.data/postgres'),
    port: env.PGPORT ? Number(env.PGPORT) : 0,
  });
  return postgres.adminUrl;
}

function start(p: Process): Promise<string> {
  const child = spawn('npm', ['run', 'dev', '--silent', '-w', workspaceOf(p.service)], {
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
      console.log(formatLogLine(p.service.name, line, entry));
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`\n${p.service.name} exited (${signal ?? code}); stopping everything.`);
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
