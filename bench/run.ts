// `npm run bench`: what the platform serves, and what its architecture costs, measured side by side in
// one run (so the ratios hold on a noisy machine). It builds the production output, starts the real
// processes in production mode on an embedded Postgres, seeds data through the API, drives load with
// autocannon on 127.0.0.1, and prints a table; a full run also writes bench/results.json and the
// table in BENCHMARKS.md (between the bench markers).
//   npm run bench                  the full run (10 s a scenario)
//   npm run bench -- --quick       a smoke run for CI (100 requests a scenario, 20 for sign-up/log-in; writes nothing but bench/.quick/)
//   npm run bench -- --no-build    reuse the dist/ and web/build/ outputs already there
//   npm run bench -- --keep        keep the processes' logs (the path is printed at the end)
//   npm run bench -- --profile     also write a CPU profile of every service (node --cpu-prof) under
//                                  bench/profiles/, summarized at the end (see bench/profile.ts)
//   BENCH_NODE_OPTIONS='--max-old-space-size=96' npm run bench
//                                  NODE_OPTIONS for every process the bench starts (e.g. V8 heap caps,
//                                  as a container's memory limit would set them); recorded with the run
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { ensureDatabase, freePort, startLocalPostgres, type LocalPostgres } from '@app/devkit';
import { root } from '../scripts/lib/services.ts';
import { summarizeProfiles } from './profile.ts';
import {
  argon2idMemoryBytes,
  OWASP_ARGON2ID,
  passwordHasher,
  ScryptPasswordHasher,
} from '../services/users/src/password.ts';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const profile = args.has('--profile');
const nodeOptions = process.env.BENCH_NODE_OPTIONS?.trim() ?? '';
const DURATION_S = quick ? 2 : 10;
const WARMUP_S = quick ? 0.5 : 2;
const CONNECTIONS = 10;
const OTHER_USER_NOTES = 20_000;
const SHARES_ON_NOTE = 20;
const JWT = {
  JWT_SECRET: randomUUID() + randomUUID(),
  JWT_ISSUER: 'app-gateway',
  JWT_AUDIENCE: 'app',
};
const PASSWORD = 'bench-password-1';

const work = mkdtempSync(join(tmpdir(), 'bench-'));
// Apart from `work`: as root, the embedded Postgres runs as a user of its own, which must reach it.
const postgresDir = mkdtempSync(join(tmpdir(), 'bench-postgres-'));
const profileDir = join(root, 'bench', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
const processes: Proc[] = [];
let postgres: LocalPostgres | undefined;
let sink: Server | undefined;

const log = (message: string) => console.log(`[bench ${elapsed()}] ${message}`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s`;

// ---------------------------------------------------------------------------------------------
// Processes

interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  /** From spawn to its "listening" log line (web: to its first answer), in milliseconds. */
  readyMs: number;
  logFile: string;
  /** Highest RSS seen by the sampler since the last reset, in bytes. */
  peakRss: number;
  stop(): Promise<void>;
}

interface StartOptions {
  cwd: string;
  args: string[];
  env: Record<string, string>;
  /** Ready when this log line appears; undefined: when GET / answers (web). */
  readyLine?: 'listening';
}

async function startProcess(name: string, options: StartOptions): Promise<Proc> {
  const port = await freePort();
  const logFile = join(work, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const spawnedAt = Date.now();
  // Logs go to a file, as a container runtime would take them: the load generator does not read them.
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_OPTIONS: nodeOptions,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...options.env,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const deadline = Date.now() + 60_000;
  let readyMs: number | undefined;
  while (readyMs === undefined) {
    if (gone) throw new Error(`${name} exited at start:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start in 60 s`);
    if (options.readyLine) {
      const line = readFileSync(logFile, 'utf8')
        .split('\n')
        .find((l) => l.includes(`"msg":"${options.readyLine}"`));
      if (line) readyMs = new Date((JSON.parse(line) as { time: string }).time).getTime() - spawnedAt;
    } else {
      const ok = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' }).then(
        () => true,
        () => false,
      );
      if (ok) readyMs = Date.now() - spawnedAt;
    }
    if (readyMs === undefined) await sleep(5);
  }
  const proc: Proc = {
    name,
    child,
    port,
    readyMs,
    logFile,
    peakRss: 0,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  processes.push(proc);
  log(`${name} ready in ${readyMs} ms on 127.0.0.1:${port}`);
  return proc;
}

const REGISTER = ['--import', '@app/platform/telemetry/register'];
// One folder per process: the ESM loader hooks run in a thread of their own, with a profile of its own.
const profileArgs = (name: string) =>
  profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : [];

interface Stack {
  users: Proc;
  notes: Proc;
  gateway: Proc;
}

/** users, notes and gateway from their dist/, as `npm start -w …` runs them in production. */
async function startStack(
  suffix: string,
  databases: { users: string; notes: string },
  extra: Record<string, string>,
) {
  const service = (name: string) => ({
    cwd: join(root, 'services', name),
    args: [...profileArgs(`${name}${suffix}`), ...REGISTER, 'dist/src/main.js'],
    readyLine: 'listening' as const,
  });
  const users = await startProcess(`users${suffix}`, {
    ...service('users'),
    env: {
      DATABASE_URL: databases.users,
      MIGRATE_ON_START: 'true',
      // The bench signs up and logs in from one address far more often than a person would.
      SIGNUP_MAX_PER_IP: '1000000',
      LOGIN_MAX_FAILURES_PER_IP: '1000000',
      REFRESH_MAX_PER_IP: '1000000',
      ...extra,
    },
  });
  const notes = await startProcess(`notes${suffix}`, {
    ...service('notes'),
    env: {
      DATABASE_URL: databases.notes,
      MIGRATE_ON_START: 'true',
      USERS_ADDR: `127.0.0.1:${users.port}`,
      ...extra,
    },
  });
  const gateway = await startProcess(`gateway${suffix}`, {
    ...service('gateway'),
    env: {
      ...JWT,
      USERS_ADDR: `127.0.0.1:${users.port}`,
      NOTES_ADDR: `127.0.0.1:${notes.port}`,
      // The bench signs up and logs in from one address far more often than a person would.
      RATE_LIMIT_AUTH_MAX: '1000000',
      ...extra,
    },
  });
  return { users, notes, gateway } satisfies Stack;
}

// RSS of every process, sampled while the load runs.
function rssOf(proc: Proc, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
    const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
const sampler = setInterval(() => {
  for (const proc of processes) proc.peakRss = Math.max(proc.peakRss, rssOf(proc));
}, 100);
sampler.unref();

// ---------------------------------------------------------------------------------------------
// Load

interface Scenario {
  name: string;
  /** Requests per second (mean over the measured seconds). */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  /** Connection errors, timeouts and answers that are not 2xx. */
  errors: number;
  /** Peak RSS of a process during the scenario, where it matters (sign-up, log-in). */
  peakRssMb?: Record<string, number>;
}

type Request = autocannon.Request;

interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  /** A fresh request each time (e.g. a new email for every sign-up). */
  next?: () => { path?: string; body?: unknown };
  connections?: number;
  watch?: Proc[];
}

const scenarios: Scenario[] = [];

async function load(name: string, options: LoadOptions): Promise<Scenario> {
  const headers = {
    ...options.headers,
    ...(options.body || options.next ? { 'content-type': 'application/json' } : {}),
  };
  const url = new URL(options.url);
  const request: Request = {
    method: options.method ?? 'GET',
    path: url.pathname + url.search,
    headers,
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
  };
  if (options.next) {
    const next = options.next;
    request.setupRequest = (req: Request) => {
      const { path, body } = next();
      return { ...req, ...(path ? { path } : {}), ...(body ? { body: JSON.stringify(body) } : {}) };
    };
  }
  // The full run measures for a fixed time; the quick one sends a fixed number of requests, so that
  // every scenario completes some even on a slow or busy machine (a smoke test, not a measurement).
  const run = (seconds: number, amount: number) =>
    autocannon({
      url: url.origin,
      connections: options.connections ?? CONNECTIONS,
      ...(quick ? { amount } : { duration: seconds }),
      requests: [request],
      timeout: 20,
    });
  const amount = options.watch ? 20 : 100; // sign-up and log-in hash a password each
  process.stdout.write(`[bench ${elapsed()}] ${name} … `);
  await run(WARMUP_S, 10);
  for (const proc of options.watch ?? []) proc.peakRss = rssOf(proc);
  const result = await run(DURATION_S, amount);
  const scenario: Scenario = {
    name,
    rps: round(result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
  if (options.watch) {
    scenario.peakRssMb = Object.fromEntries(options.watch.map((p) => [p.name, mb(p.peakRss)]));
  }
  console.log(`${scenario.rps} req/s, p99 ${scenario.p99} ms, ${scenario.errors} errors`);
  scenarios.push(scenario);
  return scenario;
}

// ---------------------------------------------------------------------------------------------
// API helpers for seeding

async function api<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

interface Account {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

async function account(base: string, label: string): Promise<Account> {
  const email = `${label}-${randomUUID().slice(0, 8)}@bench.test`;
  const { user } = await api<{ user: { id: string } }>(base, 'POST', '/api/auth/signup', {
    email,
    password: PASSWORD,
    name: label,
  });
  const pair = await api<{ accessToken: string; refreshToken: string }>(base, 'POST', '/api/auth/login', {
    email,
    password: PASSWORD,
  });
  return { id: user.id, email, token: pair.accessToken, refreshToken: pair.refreshToken };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  const loadBefore = loadavg();
  if (!args.has('--no-build')) {
    log('building the production output (npm run build)');
    const build = spawnSync('npm', ['run', '--silent', 'build'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  log('starting Postgres (embedded)');
  postgres = await startLocalPostgres({ dataDir: postgresDir });
  const databases = {
    users: await ensureDatabase(postgres.adminUrl, 'bench_users'),
    notes: await ensureDatabase(postgres.adminUrl, 'bench_notes'),
  };

  // A local OTLP receiver for the traced stack: accepts every batch, as a collector would.
  let exportedBytes = 0;
  let exportRequests = 0;
  const sinkPort = await freePort();
  sink = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (exportedBytes += chunk.length));
    request.on('end', () => {
      exportRequests++;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => sink!.listen(sinkPort, '127.0.0.1', resolve));

  log('starting the stack in production mode');
  const plain = await startStack('', databases, {});
  const traced = await startStack('-traced', databases, {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
    OTEL_TRACES_SAMPLER: 'always_on',
  });
  const gatewayUrl = `http://127.0.0.1:${plain.gateway.port}`;
  const web = await startProcess('web', {
    cwd: join(root, 'web'),
    args: [...REGISTER, 'server.js'],
    env: { GATEWAY_URL: gatewayUrl, ORIGIN: 'http://127.0.0.1' },
  });
  const monolith = await startProcess('monolith', {
    cwd: root,
    args: [...profileArgs('monolith'), 'bench/monolith.ts'],
    env: { DATABASE_URL: databases.notes, ...JWT },
    readyLine: 'listening',
  });

  log('seeding: accounts, notes, shares');
  const reader = await account(gatewayUrl, 'reader'); // the user whose list is read
  const friend = await account(gatewayUrl, 'friend'); // shares notes with the reader; receives shares
  const other = await account(gatewayUrl, 'other'); // the other user with many notes
  const own: string[] = [];
  for (let i = 0; i < 30; i++) {
    const note = await api<{ id: string }>(
      gatewayUrl,
      'POST',
      '/api/notes',
      { title: `Note ${i}`, body: 'x'.repeat(200) },
      reader.token,
    );
    own.push(note.id);
  }
  for (let i = 0; i < 5; i++) {
    const note = await api<{ id: string }>(
      gatewayUrl,
      'POST',
      '/api/notes',
      { title: `Shared ${i}`, body: 'y'.repeat(200) },
      friend.token,
    );
    await api(gatewayUrl, 'POST', `/api/notes/${note.id}/shares`, { email: reader.email }, friend.token);
  }
  // 20 more users (straight into the users database: their passwords are never used), each shared one note.
  const shareEmails = (
    await sql<{ email: string }>(
      databases.users,
      `insert into users (id, email, name, password_hash)
       select gen_random_uuid(), 'share-' || i || '-' || $1 || '@bench.test', 'Share ' || i, 'unusable'
       from generate_series(1, $2) i returning email`,
      [randomUUID().slice(0, 8), SHARES_ON_NOTE],
    )
  ).map((row) => row.email);
  const sharedNote = own[0]!;
  for (const email of shareEmails) {
    await api(gatewayUrl, 'POST', `/api/notes/${sharedNote}/shares`, { email }, reader.token);
  }
  const auth = (account: Account) => ({ authorization: `Bearer ${account.token}` });

  const monolithUrl = `http://127.0.0.1:${monolith.port}`;
  const tracedUrl = `http://127.0.0.1:${traced.gateway.port}`;
  const body = (url: string, token: string) =>
    fetch(url, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
  // The comparison is fair only if both answer the same.
  const [viaGateway, viaMonolith] = await Promise.all([
    body(`${gatewayUrl}/api/notes`, reader.token),
    body(`${monolithUrl}/notes`, reader.token),
  ]);
  if (viaGateway !== viaMonolith)
    throw new Error(`the monolith answers differently:\n${viaGateway}\n${viaMonolith}`);

  // The traced stack has served nothing yet (the plain one served the seeding): the same start for both.
  for (let i = 0; i < 50; i++) await body(`${tracedUrl}/api/notes`, reader.token);

  const idle = Object.fromEntries(processes.map((p) => [p.name, mb(rssOf(p))]));

  log(`load: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s a scenario`);
  const bare = await load('bare Fastify route (ceiling)', { url: `${monolithUrl}/bare` });
  const monolithList = await load('monolith GET /notes', {
    url: `${monolithUrl}/notes`,
    headers: auth(reader),
  });
  await load('GET /api/me', { url: `${gatewayUrl}/api/me`, headers: auth(reader) });
  const list = await load('GET /api/notes', { url: `${gatewayUrl}/api/notes`, headers: auth(reader) });
  const tracedList = await load('GET /api/notes, tracing 100%', {
    url: `${tracedUrl}/api/notes`,
    headers: auth(reader),
  });

  log(`seeding: ${OTHER_USER_NOTES} notes of another user, newer than the reader's`);
  await sql(
    databases.notes,
    `insert into notes (id, owner_id, title, body, created_at, updated_at)
     select gen_random_uuid(), $1, 'Other ' || i, repeat('z', 200), t, t
     from generate_series(1, $2) i, lateral (select clock_timestamp() - i * interval '1 millisecond' as t) time`,
    [other.id, OTHER_USER_NOTES],
  );
  await sql(databases.notes, 'analyze');
  const listBeside = await load(`GET /api/notes beside ${OTHER_USER_NOTES} notes`, {
    url: `${gatewayUrl}/api/notes`,
    headers: auth(reader),
  });
  const monolithBeside = await load(`monolith GET /notes beside ${OTHER_USER_NOTES} notes`, {
    url: `${monolithUrl}/notes`,
    headers: auth(reader),
  });

  await load('POST /api/notes', {
    url: `${gatewayUrl}/api/notes`,
    method: 'POST',
    headers: auth(other),
    body: { title: 'Written by the bench', body: 'w'.repeat(500) },
  });
  // Every share is of another note of `other` with `friend`: none is a repeat (409).
  const toShare = (
    await sql<{ id: string }>(
      databases.notes,
      'select id from notes where owner_id = $1 order by created_at desc',
      [other.id],
    )
  ).map((row) => row.id);
  let shareIndex = 0;
  await load('POST /api/notes/:id/shares (→ users)', {
    url: `${gatewayUrl}/api/notes/${toShare[0]}/shares`,
    method: 'POST',
    headers: auth(other),
    next: () => ({
      path: `/api/notes/${toShare[shareIndex++ % toShare.length]}/shares`,
      body: { email: friend.email },
    }),
  });
  await load(`GET /api/notes/:id/shares (${SHARES_ON_NOTE} shares)`, {
    url: `${gatewayUrl}/api/notes/${sharedNote}/shares`,
    headers: auth(reader),
  });
  await load('web: GET /notes (server-rendered)', {
    url: `http://127.0.0.1:${web.port}/notes`,
    headers: { cookie: `session_access=${reader.token}; session_refresh=${reader.refreshToken}` },
  });

  // Password hashing: each sign-up a new account, each log-in one of them (no one account is hammered).
  const signedUp: string[] = [];
  const signup = await load('POST /api/auth/signup', {
    url: `${gatewayUrl}/api/auth/signup`,
    method: 'POST',
    next: () => {
      const email = `load-${randomUUID()}@bench.test`;
      signedUp.push(email);
      return { body: { email, password: PASSWORD, name: 'Load' } };
    },
    watch: [plain.users],
  });
  const logins = [reader.email, friend.email, other.email, ...signedUp.slice(0, 200)];
  let loginIndex = 0;
  const login = await load('POST /api/auth/login', {
    url: `${gatewayUrl}/api/auth/login`,
    method: 'POST',
    next: () => ({ body: { email: logins[loginIndex++ % logins.length], password: PASSWORD } }),
    watch: [plain.users],
  });

  // The two password hashing schemes side by side, one hash at a time, in this process.
  log('password hashing: Argon2id (OWASP m=19 MiB, t=2, p=1) vs scrypt (N=2^17, r=8, p=1)');
  const hashing = {
    argon2idMs: await msPerHash(passwordHasher()),
    scryptMs: await msPerHash(new ScryptPasswordHasher()),
    argon2idMiB: argon2idMemoryBytes(OWASP_ARGON2ID) / 2 ** 20,
    scryptMiB: (128 * 2 ** 17 * 8) / 2 ** 20,
  };

  const end = Object.fromEntries(processes.map((p) => [p.name, mb(rssOf(p))]));
  const peak = Object.fromEntries(processes.map((p) => [p.name, mb(rssOf(p, 'VmHWM'))]));
  const ready = Object.fromEntries(processes.map((p) => [p.name, p.readyMs]));
  const loadAfter = loadavg();

  const ratios = {
    listVsMonolith: round(list.rps / monolithList.rps, 2),
    listP99VsMonolith: round(list.p99 / Math.max(monolithList.p99, 1), 2),
    listBesideVsList: round(listBeside.rps / list.rps, 2),
    monolithBesideVsMonolith: round(monolithBeside.rps / monolithList.rps, 2),
    tracedVsUntraced: round(tracedList.rps / list.rps, 2),
    monolithVsBare: round(monolithList.rps / bare.rps, 2),
  };
  const services = ['users', 'notes', 'gateway'];
  const targets = [
    target(
      'GET /api/notes ÷ monolith, throughput',
      ratios.listVsMonolith,
      '≥ 0.5',
      ratios.listVsMonolith >= 0.5,
    ),
    target('GET /api/notes ÷ monolith, p99', ratios.listP99VsMonolith, '< 2', ratios.listP99VsMonolith < 2),
    target(
      `beside ${OTHER_USER_NOTES} notes ÷ without`,
      ratios.listBesideVsList,
      '≥ 0.8',
      ratios.listBesideVsList >= 0.8,
    ),
    target('tracing on ÷ off', ratios.tracedVsUntraced, '≥ 0.85', ratios.tracedVsUntraced >= 0.85),
    target(
      'errors in every scenario',
      sum(scenarios.map((s) => s.errors)),
      '0',
      scenarios.every((s) => s.errors === 0),
    ),
    ...services.map((s) => target(`${s} ready after start (ms)`, ready[s]!, '< 1000', ready[s]! < 1000)),
    ...services.map((s) => target(`${s} RSS at the end (MB)`, end[s]!, '< 150', end[s]! < 150)),
  ];

  const results = {
    date: new Date().toISOString(),
    command: `${nodeOptions ? `BENCH_NODE_OPTIONS='${nodeOptions}' ` : ''}npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      loadAverageBefore: loadBefore.map((l) => round(l, 2)),
      loadAverageAfter: loadAfter.map((l) => round(l, 2)),
    },
    settings: { connections: CONNECTIONS, durationSeconds: DURATION_S, warmupSeconds: WARMUP_S },
    scenarios,
    ratios,
    readyMs: ready,
    rssMb: { idle, end, peak },
    passwordHashing: {
      signupPerSecond: signup.rps,
      loginPerSecond: login.rps,
      usersPeakRssMb: Math.max(signup.peakRssMb?.users ?? 0, login.peakRssMb?.users ?? 0),
    },
    tracing: { exportRequests, exportedBytes },
    hashing,
    targets,
  };

  const table = renderTable(results);
  console.log(`\n${table}`);
  if (quick) {
    mkdirSync(join(root, 'bench', '.quick'), { recursive: true });
    writeFileSync(join(root, 'bench', '.quick', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  } else {
    writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeBenchmarksMd(table);
    // In the repository's format, so `npm run lint` (prettier --check) passes on what the bench wrote.
    spawnSync('npx', ['prettier', '--write', 'BENCHMARKS.md', 'bench/results.json'], {
      cwd: root,
      stdio: 'ignore',
    });
    log('wrote bench/results.json and the table in BENCHMARKS.md');
  }
  if (exportRequests === 0) throw new Error('the traced stack exported no spans');
  if (!results.targets.find((t) => t.name === 'errors in every scenario')!.met) {
    throw new Error('some requests failed (see the errors column)');
  }
  const idleScenarios = scenarios.filter((s) => s.requests === 0).map((s) => s.name);
  if (idleScenarios.length > 0) throw new Error(`no request completed in: ${idleScenarios.join(', ')}`);
}

/** Median time of a few hashes, one after the other. */
async function msPerHash(hasher: { hash(password: string): Promise<string> }): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const begun = performance.now();
    await hasher.hash(PASSWORD);
    times.push(performance.now() - begun);
  }
  return round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!);
}

function target(name: string, value: number, goal: string, met: boolean) {
  return { name, value, goal, met };
}

// ---------------------------------------------------------------------------------------------
// Output

type Results = {
  date: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  settings: { connections: number; durationSeconds: number; warmupSeconds: number };
  scenarios: Scenario[];
  ratios: Record<string, number>;
  readyMs: Record<string, number>;
  rssMb: { idle: Record<string, number>; end: Record<string, number>; peak: Record<string, number> };
  passwordHashing: { signupPerSecond: number; loginPerSecond: number; usersPeakRssMb: number };
  hashing: { argon2idMs: number; scryptMs: number; argon2idMiB: number; scryptMiB: number };
  targets: { name: string; value: number; goal: string; met: boolean }[];
};

function renderTable(r: Results): string {
  const { machine: m } = r;
  const loaded = m.loadAverageBefore[0]! > m.cpus * 0.5;
  const lines = [
    `Run ${r.date} with \`${r.command}\` on ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}; ` +
      `${r.settings.connections} connections, ${r.settings.warmupSeconds} s warm-up + ${r.settings.durationSeconds} s a scenario. ` +
      `Load average before/after: ${m.loadAverageBefore[0]} / ${m.loadAverageAfter[0]}` +
      (loaded
        ? ' — the machine was loaded by other work: compare the ratios, not the absolute figures.'
        : '.'),
    '',
    '| scenario | req/s | p50 ms | p90 ms | p99 ms | requests | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.scenarios.map(
      (s) => `| ${s.name} | ${s.rps} | ${s.p50} | ${s.p90} | ${s.p99} | ${s.requests} | ${s.errors} |`,
    ),
    '',
    '| target | value | goal | met |',
    '|---|---:|---:|:---:|',
    ...r.targets.map((t) => `| ${t.name} | ${t.value} | ${t.goal} | ${t.met ? 'yes' : '**no**'} |`),
    '',
    '| process | ready ms | RSS idle MB | RSS end MB | RSS peak MB |',
    '|---|---:|---:|---:|---:|',
    ...Object.keys(r.readyMs).map(
      (name) =>
        `| ${name} | ${r.readyMs[name]} | ${r.rssMb.idle[name]} | ${r.rssMb.end[name]} | ${r.rssMb.peak[name]} |`,
    ),
    '',
    `Password hashing: ${r.passwordHashing.signupPerSecond} sign-ups/s and ${r.passwordHashing.loginPerSecond} log-ins/s ` +
      `at ${r.settings.connections} concurrent; the users process peaked at ${r.passwordHashing.usersPeakRssMb} MB RSS during them.`,
    `One hash, alone: Argon2id ${r.hashing.argon2idMs} ms and ${r.hashing.argon2idMiB} MiB; scrypt ${r.hashing.scryptMs} ms and ${r.hashing.scryptMiB} MiB ` +
      `(Argon2id ÷ scrypt: ${round(r.hashing.argon2idMs / r.hashing.scryptMs, 2)} of the time, ${round(r.hashing.argon2idMiB / r.hashing.scryptMiB, 2)} of the memory).`,
    `Other ratios: monolith ÷ bare route ${r.ratios.monolithVsBare}; monolith beside the other user's notes ÷ without ${r.ratios.monolithBesideVsMonolith}.`,
  ];
  return lines.join('\n');
}

const BEGIN = '<!-- bench:begin (written by npm run bench; do not edit by hand) -->';
const END = '<!-- bench:end -->';

/** Replaces the table between the markers; the rest of BENCHMARKS.md (other sections) is kept. */
function writeBenchmarksMd(table: string) {
  const file = join(root, 'BENCHMARKS.md');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const block = `${BEGIN}\n${table}\n${END}`;
  const start = text.indexOf(BEGIN);
  const stop = text.indexOf(END);
  text =
    start >= 0 && stop > start
      ? text.slice(0, start) + block + text.slice(stop + END.length)
      : `${text.trimEnd()}\n\n## Backend: \`npm run bench\`\n\n${block}\n`;
  writeFileSync(file, text);
}

// ---------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function cleanUp() {
  await Promise.all(processes.map((p) => p.stop()));
  await new Promise((resolve) => (sink ? sink.close(resolve) : resolve(undefined)));
  await postgres?.stop();
  if (args.has('--keep')) console.log(`logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  rmSync(postgresDir, { recursive: true, force: true });
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
  for (const proc of processes) {
    const tail = readFileSync(proc.logFile, 'utf8')
      .split('\n')
      .filter((l) => /"level":"(error|fatal)"/.test(l))
      .slice(-5);
    if (tail.length > 0) console.error(`${proc.name}:\n${tail.join('\n')}`);
  }
} finally {
  await cleanUp();
  if (profile && !failed) console.log(`\n${summarizeProfiles(profileDir)}`);
}
process.exit(failed ? 1 : 0);
