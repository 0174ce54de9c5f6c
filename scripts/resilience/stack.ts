// The real stack for the resilience suites: a Postgres of its own (so a test can stop, freeze or kill
// it), the users and notes services and the gateway, each its own process from sources, each on a
// fixed port so it can be restarted where its clients expect it. Helpers to freeze (SIGSTOP) and
// thaw processes, to read their memory and file descriptors, and to speak HTTP to the gateway.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureDatabase,
  freePort,
  startLocalPostgres,
  startServiceProcess,
  type LocalPostgres,
  type ServiceProcess,
} from '@app/devkit';
import pg from 'pg';
import { root } from '../lib/services.ts';

export type Name = 'users' | 'notes' | 'gateway';

export interface Stack {
  /** http://127.0.0.1:<gateway port> */
  url: string;
  processes: Record<Name, ServiceProcess>;
  databases: { users: string; notes: string };
  /** Extra environment of each process (on top of the stack's own). */
  env: Record<Name, Record<string, string>>;
  /** Starts a process again on its port (after a kill or a stop). */
  restart(name: Name): Promise<ServiceProcess>;
  /** Stops Postgres (SIGTERM: a clean shutdown) / SIGKILLs it and its backends (a crash). */
  stopPostgres(): Promise<void>;
  killPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** The pids of the Postgres server and its backends (what SIGSTOP must reach to freeze it). */
  postgresPids(): number[];
  /** A query on the given database, as the admin. */
  query<T extends pg.QueryResultRow>(
    database: 'users' | 'notes',
    sql: string,
    params?: unknown[],
  ): Promise<T[]>;
  close(): Promise<void>;
}

const JWT_SECRET = randomBytes(32).toString('base64url');

/** Generous auth limits: the suites log in hundreds of times from one IP on purpose. */
const NO_THROTTLING = {
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '100000',
  LOGIN_MAX_FAILURES_PER_IP: '100000',
  SIGNUP_MAX_PER_IP: '100000',
  REFRESH_MAX_PER_IP: '100000',
};

export async function startStack(
  options: { env?: Partial<Record<Name, Record<string, string>>> } = {},
): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'resilience-postgres-'));
  const pgPort = await freePort();
  let postgres: LocalPostgres = await startLocalPostgres({ dataDir, port: pgPort });
  const adminUrl = postgres.adminUrl;
  const databases = {
    users: await ensureDatabase(adminUrl, 'users'),
    notes: await ensureDatabase(adminUrl, 'notes'),
  };
  const ports: Record<Name, number> = {
    users: await freePort(),
    notes: await freePort(),
    gateway: await freePort(),
  };
  const env: Record<Name, Record<string, string>> = {
    // A cheaper password hash than production (scrypt 2^14: 16 MiB): the suites log in a lot on a
    // small shared machine. The memory test of the log-in flood runs the production cost.
    users: {
      DATABASE_URL: databases.users,
      PASSWORD_HASH_COST: '14',
      ...NO_THROTTLING,
      ...options.env?.users,
    },
    notes: { DATABASE_URL: databases.notes, USERS_ADDR: `127.0.0.1:${ports.users}`, ...options.env?.notes },
    gateway: {
      JWT_SECRET,
      USERS_ADDR: `127.0.0.1:${ports.users}`,
      NOTES_ADDR: `127.0.0.1:${ports.notes}`,
      RATE_LIMIT_AUTH_MAX: '100000',
      ...options.env?.gateway,
    },
  };
  const start = (name: Name) =>
    startServiceProcess({
      cwd: join(root, 'services', name),
      env: { ...env[name], PORT: String(ports[name]), LOG_LEVEL: 'info' },
      startTimeoutMs: 60_000,
    });
  const processes = {} as Record<Name, ServiceProcess>;
  processes.users = await start('users');
  processes.notes = await start('notes');
  processes.gateway = await start('gateway');

  const pools = new Map<string, pg.Pool>();
  const pool = (database: 'users' | 'notes') => {
    let found = pools.get(database);
    if (!found) {
      found = new pg.Pool({ connectionString: databases[database], max: 2, connectionTimeoutMillis: 3_000 });
      found.on('error', () => {});
      pools.set(database, found);
    }
    return found;
  };

  const postgresPids = () => {
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    return [postmaster, ...children];
  };

  const stack: Stack = {
    url: `http://127.0.0.1:${ports.gateway}`,
    processes,
    databases,
    env,
    async restart(name) {
      const previous = processes[name];
      if (previous.child.exitCode === null && previous.child.signalCode === null) await previous.stop();
      processes[name] = await start(name);
      return processes[name];
    },
    async stopPostgres() {
      await postgres.stop();
    },
    async killPostgres() {
      for (const pid of postgresPids()) signal(pid, 'SIGKILL');
      await postgres.stop(); // the wrapper process that watched it
    },
    async startPostgres() {
      postgres = await startLocalPostgres({ dataDir, port: pgPort });
    },
    postgresPids,
    async query<T extends pg.QueryResultRow>(
      database: 'users' | 'notes',
      sql: string,
      params: unknown[] = [],
    ) {
      return (await pool(database).query<T>(sql, params)).rows;
    },
    async close() {
      for (const name of ['gateway', 'notes', 'users'] as const) {
        const child = processes[name].child;
        if (child.signalCode === 'SIGSTOP') signal(child.pid!, 'SIGCONT');
        await processes[name].stop();
      }
      for (const open of pools.values()) await open.end().catch(() => {});
      try {
        for (const pid of postgresPids()) signal(pid, 'SIGCONT');
      } catch {
        // not running
      }
      await postgres.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

export function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Resident memory of a process, in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Math.round(Number(line[1]) / 1024) : 0;
}

/** Open file descriptors of a process (Linux /proc). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

/** One HTTP request to the gateway; a failed connection is status 0. */
export async function http(
  stack: Stack,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  try {
    const response = await fetch(stack.url + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: kept as text, the tests say so
    }
    return { status: response.status, body, ms: performance.now() - started };
  } catch {
    return { status: 0, body: null, ms: performance.now() - started };
  }
}

let counter = 0;
export const uniqueEmail = (prefix: string) =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}@example.com`;
export const PASSWORD = 'correct horse battery staple';

export interface Session {
  userId: string;
  email: string;
  accessToken: string;
}

export async function signupAndLogin(stack: Stack, email = uniqueEmail('user')): Promise<Session> {
  const signup = await http(stack, 'POST', '/api/auth/signup', {
    body: { email, password: PASSWORD, name: 'R' },
  });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
  const login = await http(stack, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return {
    userId: (signup.body as { user: { id: string } }).user.id,
    email,
    accessToken: (login.body as { accessToken: string }).accessToken,
  };
}

/** True when `body` is the one error shape. */
export function isErrorShape(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** Polls until `check` holds, or throws after `timeoutMs` with the last value seen. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  let last: T | undefined;
  while (Date.now() - started < timeoutMs) {
    last = await probe();
    if (check(last)) return { value: last, ms: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}
