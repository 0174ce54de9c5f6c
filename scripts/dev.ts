// `npm run dev`: the whole platform on this machine, with reload on save.
// Postgres (embedded, data in .data/postgres or PGDATA; or the server in DATABASE_URL), one database per
// service, then every process of services.json, each running its workspace's own `dev` command under a
// supervisor (scripts/lib/supervisor.ts) that restarts it when a file changes or when it crashes.
// Whatever ends the runner (Ctrl-C, SIGTERM, SIGHUP, its parent dying) stops everything: services
// first, Postgres last. A second Ctrl-C kills at once.
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ensureDatabase, startLocalPostgres, type LocalPostgres } from '@app/devkit';
import { createLogFormatter, stripAnsi, useColor } from './log-format.ts';
import {
  commandLine,
  describePid,
  describePortHolder,
  isAlive,
  parentOf,
  portIsFree,
} from './lib/processes.ts';
import { loadServices, root, upstreamEnv, workspaceOf, type Service } from './lib/services.ts';
import { Supervised } from './lib/supervisor.ts';

const env = process.env;
const services = loadServices();
const color = useColor();
const format = createLogFormatter({
  color,
  width: Math.max(8, ...services.map((s) => s.name.length + 1)),
});

/** `USERS_PORT=…` and the like move a process off its default port. */
const portOf = (s: Service) => Number(env[`${envName(s)}_PORT`] ?? s.port);
const envName = (s: Service) => s.name.toUpperCase().replaceAll('-', '_');
const databaseName = (s: Service) => s.name.replaceAll('-', '_');
const dataDir = resolve(root, env.PGDATA ?? '.data/postgres');

let postgres: LocalPostgres | undefined;
const running: Supervised[] = [];
let stopping = false;

// A closed terminal (SIGHUP) makes every write fail; that must not stop the stopping.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

async function main() {
  await checkPortsFree();
  const adminUrl = await databaseServer();
  if (stopping) return;

  const urls = new Map<string, string>();
  const allUp = Promise.all(
    services.map(async (service) => {
      const processEnv = await environmentOf(service, adminUrl);
      if (stopping) return;
      await new Promise<void>((up) => {
        const supervised = supervise(service, processEnv, (url) => {
          urls.set(service.name, url);
          up();
        });
        running.push(supervised);
        supervised.start();
      });
    }),
  );
  await allUp;
  if (stopping) return;
  const width = Math.max(...services.map((s) => s.name.length), 'postgres'.length);
  console.log(
    [
      '',
      'Everything is up:',
      ...services.map((s) => `  ${s.name.padEnd(width)}  ${urls.get(s.name)}`),
      ...(adminUrl ? [`  ${'postgres'.padEnd(width)}  ${redact(adminUrl)}`] : []),
      '',
      'Edit any file to reload it; a process that crashes restarts by itself. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

async function environmentOf(service: Service, adminUrl: string | undefined): Promise<NodeJS.ProcessEnv> {
  const port = portOf(service);
  const processEnv: NodeJS.ProcessEnv = {
    ...env,
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    PORT: String(port),
    ...upstreamEnv(service, services, (callee) => ({
      address: `127.0.0.1:${portOf(callee)}`,
      url: `http://127.0.0.1:${portOf(callee)}`,
    })),
    // Colour codes only when this terminal shows them (Vite's banner is the one coloured thing).
    ...(color ? { FORCE_COLOR: '1' } : { NO_COLOR: '1', FORCE_COLOR: undefined }),
  };
  if (service.database)
    processEnv.DATABASE_URL =
      env[`${envName(service)}_DATABASE_URL`] ?? (await ensureDatabase(adminUrl!, databaseName(service)));
  if (service.kind === 'web') processEnv.ORIGIN = `http://localhost:${port}`;
  return processEnv;
}

/** Runs a service's `dev` command under a supervisor; `onUp` gets its URL each time it listens. */
function supervise(service: Service, processEnv: NodeJS.ProcessEnv, onUp: (url: string) => void) {
  const workspace = join(root, workspaceOf(service));
  const { command, args, watches } = devCommand(workspace);
  const url = urlOf(service);
  return new Supervised({
    name: service.name,
    command,
    args,
    cwd: workspace,
    env: {
      ...processEnv,
      PATH: [join(workspace, 'node_modules/.bin'), join(root, 'node_modules/.bin'), env.PATH].join(':'),
    },
    watch: watches ? sourceFolders(workspace) : [],
    onLine(line) {
      const entry = parseJson(line);
      if (entry?.msg === 'listening' && typeof entry.port === 'number') onUp(url(entry.port));
      // Vite prints its own banner instead of a JSON line.
      const vite = /Local:\s+http:\/\/[^:]+:(\d+)/.exec(stripAnsi(line));
      if (vite) onUp(url(Number(vite[1])));
      console.log(format.line(service.name, line, entry));
    },
    notice: (text, level) => console.log(format.notice(service.name, text, level)),
  });
}

/**
 * The workspace's own `dev` script, run without npm in between (so signals and exits are direct).
 * `tsx watch …` becomes `node --import tsx …`: the supervisor does the watching (and restarts it after
 * a crash, which tsx watch does not). Anything else (Vite) runs as written and reloads by itself.
 */
function devCommand(workspace: string): { command: string; args: string[]; watches: boolean } {
  const pkg = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const script = pkg.scripts?.dev;
  if (!script) throw new Error(`${relative(root, workspace)}/package.json has no "dev" script`);
  const words = script.trim().split(/\s+/);
  if (words[0] === 'tsx' && words[1] === 'watch') {
    const nodeArgs = words.slice(2).filter((word) => !/^--(clear-screen|include|exclude)\b/.test(word));
    return { command: process.execPath, args: ['--import', 'tsx', ...nodeArgs], watches: true };
  }
  return { command: '/bin/sh', args: ['-c', `exec ${script}`], watches: false };
}

/** The sources of a workspace and of every workspace it depends on (at run time). */
function sourceFolders(workspace: string): string[] {
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  const folderOf = new Map<string, string>();
  for (const folder of rootPackage.workspaces) {
    const pkg = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as { name: string };
    folderOf.set(pkg.name, join(root, folder));
  }
  const seen = new Set<string>();
  const visit = (folder: string) => {
    if (seen.has(folder)) return;
    seen.add(folder);
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(pkg.dependencies ?? {})) {
      const dependency = folderOf.get(name);
      if (dependency) visit(dependency);
    }
  };
  visit(workspace);
  return [...seen].flatMap((folder) => [join(folder, 'src'), join(folder, 'migrations')]);
}

function urlOf(service: Service): (port: number) => string {
  if (service.kind === 'grpc') return (p) => `grpc://127.0.0.1:${p}`;
  if (service.kind === 'http') return (p) => `http://localhost:${p}  (API docs: http://localhost:${p}/docs)`;
  return (p) => `http://localhost:${p}`;
}

/** Every port taken before anything starts: one line naming the port and who holds it. */
async function checkPortsFree() {
  for (const service of services) {
    const port = portOf(service);
    if (await portIsFree(port)) continue;
    const holder = describePortHolder(port);
    throw new StartError(
      `Port ${port} (${service.name}) is already in use${holder ? ` by ${holder}` : ''}: stop it, or run on another port with ${envName(service)}_PORT=<port> npm run dev`,
    );
  }
}

/** An admin URL of the Postgres server to use: DATABASE_URL, or the embedded one. */
async function databaseServer(): Promise<string | undefined> {
  const own = services.filter((s) => s.database && !env[`${envName(s)}_DATABASE_URL`]);
  if (own.length === 0) return undefined;
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const shown = relative(root, dataDir).startsWith('..') ? dataDir : relative(root, dataDir);
  const other = postgresRunningOn(dataDir);
  if (other)
    throw new StartError(
      `Postgres is already running on ${shown} (${other}): another npm run dev is up? Stop it, or give this one its own data with PGDATA=<dir> npm run dev`,
    );
  console.log(`Starting Postgres (embedded; data in ${shown})…`);
  postgres = await startLocalPostgres({ dataDir, port: env.PGPORT ? Number(env.PGPORT) : 0 });
  return postgres.adminUrl;
}

/** Who runs the Postgres that holds `dir` (its postmaster.pid names a live postgres), if any. */
function postgresRunningOn(dir: string): string | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const command = commandLine(pid);
  if (command !== undefined && !command.includes('postgres')) return undefined; // a stale file, pid reused
  // postgres ← local-postgres.mjs ← the npm run dev that started it
  const runner = parentOf(parentOf(pid) ?? 0);
  return runner && runner > 1 ? `pid ${pid}, started by ${describePid(runner)}` : `pid ${pid}`;
}

/** A reason not to start that one line says all about. */
class StartError extends Error {}

async function stop(code: number, why?: string) {
  if (stopping) return;
  stopping = true;
  if (why) console.log(`\n${why}`);
  if (running.length === 0 && !postgres) process.exit(code); // nothing started yet
  console.log('\nStopping…');
  await Promise.all(running.map((s) => s.stop()));
  await postgres?.stop();
  console.log('Stopped.');
  process.exit(code);
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

let stopAskedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!stopping) {
      stopAskedAt = Date.now();
      return void stop(0);
    }
    // A second Ctrl-C kills at once. One Ctrl-C arrives twice, from the terminal and from npm
    // passing it on, so only one that comes a moment later counts.
    if (signal !== 'SIGINT' || Date.now() - stopAskedAt < 1_000) return;
    for (const s of running) s.kill();
    process.exit(1);
  });
}

// The parent (npm, an IDE, a terminal) went away without a signal reaching us: stop all the same.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0, 'The parent process exited.');
}, 500).unref();

main().catch(async (error: unknown) => {
  if (error instanceof StartError) console.error(error.message);
  else console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  await stop(1);
});
