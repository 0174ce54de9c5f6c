// `npm run test:scale`: every process correct at two replicas, from the production build.
// Starts two replicas of each process of services.json on 127.0.0.2 and 127.0.0.3 (same port), the gRPC
// clients configured with `ipv4:` lists, the web replicas behind a per-request round-robin proxy, one
// Postgres; then proves with real traffic:
//   1. steady load: both replicas of every gRPC service serve calls (each at least 25%);
//   2. a browser session whose requests alternate between the web replicas, with ACCESS_TOKEN_TTL=2,
//      stays logged in across several expiries while the page fires concurrent requests;
//   3. wrong-password logins alternating between the gateways are cut off with 429 after the same number
//      of attempts as against one gateway;
//   4. SIGTERM to one notes and one gateway replica under load: zero failed requests at the others;
//      SIGKILL of one users replica: calls succeed again within the gRPC deadline.
// The figures of the run replace the block between the scale markers in README.md.
//   SKIP_BUILD=1 npm run test:scale   reuse the last build (when iterating)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropDatabase, ensureDatabase, freePort, startLocalPostgres, type LocalPostgres } from '@app/devkit';
import { createServiceClient, HealthDefinition, isServing } from '@app/platform';
import { chromium } from '@playwright/test';
import { addressVariable, loadServices, root, workspaceOf, type Service } from './lib/services.ts';

const HOSTS = ['127.0.0.2', '127.0.0.3'] as const;
const ACCESS_TOKEN_TTL = 2;
const LOGIN_MAX_FAILURES_PER_ACCOUNT = 10;
// The gateway's deadline for each call (its default is 2 s): a loaded CI machine gets some slack.
const GRPC_TIMEOUT_MS = 5_000;
const JWT_SECRET = randomBytes(32).toString('base64url');

interface Replica {
  service: Service;
  index: number;
  host: string;
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
  /** gRPC calls served (the "call completed" log lines, health checks aside). */
  calls: number;
  output: string[];
}

const replicas: Replica[] = [];
const figures: Record<string, string> = {};
const failures: string[] = [];

function log(message: string) {
  console.log(`[scale] ${message}`);
}

function check(ok: boolean, message: string) {
  console.log(`${ok ? '✔' : '✘'} ${message}`);
  if (!ok) failures.push(message);
}

// --- processes -------------------------------------------------------------------------------

function startReplica(service: Service, index: number, port: number, env: Record<string, string>): Replica {
  const dir = join(root, workspaceOf(service));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: { start: string } };
  // The workspace's own `start` command (what an image runs), with this Node.
  const [, ...args] = pkg.scripts.start.split(' ');
  const host = HOSTS[index]!;
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NODE_ENV: 'production',
      HOST: host,
      PORT: String(port),
      OTEL_SDK_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const replica: Replica = {
    service,
    index,
    host,
    port,
    child,
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
    calls: 0,
    output: [],
  };
  const onLine = (line: string) => {
    replica.output.push(line);
    if (replica.output.length > 200) replica.output.shift();
    if (!line.includes('"call completed"')) return;
    try {
      const entry = JSON.parse(line) as { msg?: string; method?: string };
      if (entry.msg === 'call completed' && !entry.method?.startsWith('/grpc.health.')) replica.calls++;
    } catch {
      // not a log line
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  replicas.push(replica);
  return replica;
}

const name = (replica: Replica) =>
  `${replica.service.name}[${replica.index}] ${replica.host}:${replica.port}`;

async function waitReady(replica: Replica, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  const exited = replica.exited.then(() => true);
  while (Date.now() < until) {
    if (await Promise.race([exited, Promise.resolve(false)])) break;
    if (await isUp(replica)) return;
    await sleep(250);
  }
  throw new Error(`${name(replica)} did not get ready:\n${replica.output.slice(-30).join('\n')}`);
}

async function isUp(replica: Replica): Promise<boolean> {
  const address = `${replica.host}:${replica.port}`;
  if (replica.service.kind === 'grpc') {
    const health = createServiceClient(HealthDefinition, address, { timeoutMs: 1_000 });
    try {
      return await isServing(health.client);
    } finally {
      health.close();
    }
  }
  const path = replica.service.kind === 'http' ? '/readyz' : '/';
  try {
    const response = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(2_000) });
    return response.status < 500;
  } catch {
    return false;
  }
}

async function stopAll() {
  for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGTERM');
  const all = Promise.all(replicas.map((replica) => replica.exited));
  if ((await Promise.race([all.then(() => 'done'), sleep(10_000, 'timeout')])) === 'timeout') {
    for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGKILL');
  }
}

/** A port free on every replica address. */
async function sharedPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const free = await Promise.all(
      HOSTS.map(
        (host) =>
          new Promise<boolean>((resolve) => {
            const server = createServer();
            server.once('error', () => resolve(false));
            server.listen(port, host, () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
}

/** The web replicas behind one address, each request to the next one (as a Service without affinity). */
async function roundRobinProxy(
  targets: { host: string; port: number }[],
): Promise<{ url: string; server: Server }> {
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const target = targets[next++ % targets.length]!;
    const forwarded = httpRequest(
      {
        host: target.host,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

// --- HTTP traffic ----------------------------------------------------------------------------

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: object,
  token?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

let emailCounter = 0;
const newEmail = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++emailCounter}@example.com`;
const PASSWORD = 'correct horse battery staple';

async function newSession(gateway: string): Promise<Tokens> {
  const email = newEmail('load');
  const signup = await call(gateway, 'POST', '/api/auth/signup', { email, password: PASSWORD, name: 'Load' });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
  const login = await call(gateway, 'POST', '/api/auth/login', { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return login.body as Tokens;
}

interface Outcome {
  gateway: string;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  what: string;
}

/**
 * Steady load: `workers` loops, each with its own session, over the gateways `targets()` names at the
 * time of each request: list notes, create a note, read /api/me; refreshing the access token when it
 * expires (ACCESS_TOKEN_TTL is short).
 */
async function steadyLoad(options: {
  sessions: Tokens[];
  durationMs: number;
  targets: (worker: number, request: number) => string;
}): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const until = Date.now() + options.durationMs;
  await Promise.all(
    options.sessions.map(async (session, worker) => {
      for (let i = 0; Date.now() < until; i++) {
        const gateway = options.targets(worker, i);
        const startedAt = Date.now();
        const [method, path, body] =
          i % 3 === 0
            ? (['GET', '/api/notes?limit=5'] as const)
            : i % 3 === 1
              ? (['POST', '/api/notes', { title: `load ${worker}-${i}`, body: 'steady load' }] as const)
              : (['GET', '/api/me'] as const);
        let what = `${method} ${path}`;
        let ok = false;
        try {
          let answer = await call(gateway, method, path, body, session.accessToken);
          if (answer.status === 401) {
            const refreshed = await call(gateway, 'POST', '/api/auth/refresh', {
              refreshToken: session.refreshToken,
            });
            if (refreshed.status === 200) {
              Object.assign(session, refreshed.body as Tokens);
              answer = await call(gateway, method, path, body, session.accessToken);
            } else {
              what = `refresh ${refreshed.status} ${JSON.stringify(refreshed.body)}`;
            }
          }
          ok = answer.status === 200 || answer.status === 201;
          if (!ok && !what.startsWith('refresh'))
            what += ` → ${answer.status} ${JSON.stringify(answer.body)}`;
        } catch (error) {
          const { cause, message } = error as Error;
          what += ` → ${cause instanceof Error ? cause.message : message}`;
        }
        outcomes.push({ gateway, startedAt, endedAt: Date.now(), ok, what });
      }
    }),
  );
  return outcomes;
}

const failed = (outcomes: Outcome[]) => outcomes.filter((outcome) => !outcome.ok);
const sample = (outcomes: Outcome[]) =>
  failed(outcomes)
    .slice(0, 3)
    .map((outcome) => outcome.what)
    .join('; ');

// --- the run ---------------------------------------------------------------------------------

const started = Date.now();
let postgres: LocalPostgres | undefined;
let dataDir: string | undefined;
let proxy: Server | undefined;
try {
  if (!process.env.SKIP_BUILD) {
    log('npm run build');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'scale-postgres-'));
    postgres = await startLocalPostgres({ dataDir });
    adminUrl = postgres.adminUrl;
  }

  const services = loadServices();
  const ports = new Map<string, number>();
  for (const service of services) ports.set(service.name, await sharedPort());
  const addressOf = (service: Service) =>
    `ipv4:${HOSTS.map((host) => `${host}:${ports.get(service.name)}`).join(',')}`;

  // Callees first (services.json lists them before their callers); the first replica of a service with
  // a database migrates it, the second starts once it is ready.
  for (const service of services) {
    const env: Record<string, string> = {};
    if (service.database) {
      await dropDatabase(adminUrl, `scale_${service.name}`).catch(() => undefined);
      env.DATABASE_URL = await ensureDatabase(adminUrl, `scale_${service.name}`);
      env.MIGRATE_ON_START = 'true';
    }
    for (const callee of service.calls) {
      const target = services.find((s) => s.name === callee)!;
      if (target.kind === 'grpc') env[addressVariable(target)] = addressOf(target);
    }
    if (service.name === 'users') {
      Object.assign(env, {
        PASSWORD_HASH_COST: '12',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: String(LOGIN_MAX_FAILURES_PER_ACCOUNT),
      });
    }
    if (service.kind === 'http') {
      Object.assign(env, {
        JWT_SECRET,
        ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL),
        GRPC_TIMEOUT_MS: String(GRPC_TIMEOUT_MS),
        // Failover is what is measured: a loaded CI machine must not shed requests on top of it.
        LOAD_SHED_EVENT_LOOP_DELAY_MS: '0',
        LOG_LEVEL: 'warn',
      });
    }
    if (service.kind === 'web') continue; // below, behind the proxy
    for (const index of [0, 1]) {
      const replica = startReplica(service, index, ports.get(service.name)!, env);
      await waitReady(replica);
      log(`${name(replica)} ready`);
    }
  }

  // The web replicas, behind the round-robin proxy whose address is their ORIGIN; each talks to one
  // gateway replica (as through a Service: one keep-alive connection lands on one pod).
  const web = services.find((s) => s.kind === 'web')!;
  const gatewayService = services.find((s) => s.kind === 'http')!;
  const webPort = ports.get(web.name)!;
  const rr = await roundRobinProxy(HOSTS.map((host) => ({ host, port: webPort })));
  proxy = rr.server;
  for (const index of [0, 1]) {
    const replica = startReplica(web, index, webPort, {
      GATEWAY_URL: `http://${HOSTS[index]}:${ports.get(gatewayService.name)}`,
      ORIGIN: rr.url,
    });
    await waitReady(replica);
    log(`${name(replica)} ready`);
  }
  figures.startup = `${((Date.now() - started) / 1000).toFixed(0)} s to ${process.env.SKIP_BUILD ? '' : 'build and '}start ${replicas.length} processes`;

  const gateways = HOSTS.map((host) => `http://${host}:${ports.get(gatewayService.name)}`);
  const of = (service: string) => replicas.filter((replica) => replica.service.name === service);

  // 1. Steady load: both replicas of every gRPC service serve calls.
  {
    const sessions = await Promise.all([0, 1, 2, 3].map((i) => newSession(gateways[i % 2]!)));
    const before = new Map(replicas.map((replica) => [replica, replica.calls]));
    const outcomes = await steadyLoad({
      sessions,
      durationMs: 8_000,
      targets: (w, i) => gateways[(w + i) % 2]!,
    });
    check(
      failed(outcomes).length === 0,
      `steady load: ${outcomes.length} requests, ${failed(outcomes).length} failed ${sample(outcomes)}`,
    );
    for (const service of services.filter((s) => s.kind === 'grpc')) {
      const served = of(service.name).map((replica) => replica.calls - before.get(replica)!);
      const total = served.reduce((a, b) => a + b, 0);
      const shares = served.map((count) => (total ? Math.round((100 * count) / total) : 0));
      check(
        total > 0 && shares.every((share) => share >= 25),
        `${service.name}: ${total} calls, replicas served ${served.join(' / ')} (${shares.join('% / ')}%)`,
      );
      figures[`balance ${service.name}`] = `${total} calls split ${shares.join('% / ')}%`;
    }
    figures['steady load'] =
      `${outcomes.length} requests over 2 gateways in 8 s, ${failed(outcomes).length} failed`;
  }

  // 2. A browser session alternating between the web replicas stays logged in across token expiries.
  {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    });
    try {
      const page = await browser.newPage();
      const email = newEmail('browser');
      await page.goto(`${rr.url}/signup`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Name').fill('Browser');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.waitForURL(/\/notes$/, { timeout: 15_000 });
      const rounds = 10;
      let requests = 0;
      const loggedOut: string[] = [];
      const since = Date.now();
      for (let round = 0; round < rounds; round++) {
        await sleep(ACCESS_TOKEN_TTL * 700); // the access token expires every other round
        // Concurrent requests from the page: half of them reach each web replica, with the same cookies.
        const answers = await page.evaluate(() =>
          Promise.all(
            Array.from({ length: 4 }, () =>
              fetch('/notes').then((response) => ({
                status: response.status,
                path: new URL(response.url).pathname,
              })),
            ),
          ),
        );
        requests += answers.length;
        for (const answer of answers)
          if (answer.status !== 200 || answer.path !== '/notes')
            loggedOut.push(`round ${round}: ${answer.status} ${answer.path}`);
      }
      await page.goto(`${rr.url}/notes`);
      const stillIn =
        new URL(page.url()).pathname === '/notes' &&
        (await page.getByRole('button', { name: 'Log out' }).count()) > 0;
      const seconds = ((Date.now() - since) / 1000).toFixed(0);
      check(
        loggedOut.length === 0 && stillIn,
        `browser session over 2 web replicas: ${requests} concurrent page requests in ${seconds} s (~${Math.floor(Number(seconds) / ACCESS_TOKEN_TTL)} access-token expiries), ${loggedOut.length} logged out ${loggedOut.slice(0, 3).join('; ')}`,
      );
      figures['browser session'] =
        `${requests} concurrent requests across 2 web replicas, ${seconds} s with a ${ACCESS_TOKEN_TTL} s access token: ${loggedOut.length} logouts`;
    } finally {
      await browser.close();
    }
  }

  // 3. Wrong-password logins: the same cut-off against one gateway and alternating between two.
  {
    const attemptsUntil429 = async (pick: (attempt: number) => string) => {
      const email = newEmail('throttle');
      const signup = await call(gateways[0]!, 'POST', '/api/auth/signup', {
        email,
        password: PASSWORD,
        name: 'T',
      });
      if (signup.status !== 201) throw new Error(`signup: ${signup.status}`);
      for (let attempt = 1; attempt <= 3 * LOGIN_MAX_FAILURES_PER_ACCOUNT; attempt++) {
        const answer = await call(pick(attempt), 'POST', '/api/auth/login', {
          email,
          password: 'wrong password',
        });
        if (answer.status === 429) return { attempt, retryAfter: answer.headers.get('retry-after') };
        if (answer.status !== 401) throw new Error(`login: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      return { attempt: Infinity, retryAfter: null };
    };
    const one = await attemptsUntil429(() => gateways[0]!);
    const two = await attemptsUntil429((attempt) => gateways[attempt % 2]!);
    check(
      one.attempt === LOGIN_MAX_FAILURES_PER_ACCOUNT + 1 &&
        two.attempt === one.attempt &&
        Boolean(two.retryAfter),
      `wrong-password logins: 429 at attempt ${one.attempt} against one gateway, ${two.attempt} alternating two (Retry-After: ${two.retryAfter} s)`,
    );
    figures['login throttling'] =
      `429 at attempt ${one.attempt} on one gateway, ${two.attempt} alternating two`;
  }

  // 4a. SIGTERM to one notes and one gateway replica under load.
  {
    const sessions = await Promise.all([0, 1, 2, 3].map(() => newSession(gateways[1]!)));
    const [notesA] = of('notes');
    const [gatewayA] = of(gatewayService.name);
    let terminatedAt = Infinity;
    const load = steadyLoad({
      sessions,
      durationMs: 9_000,
      // Both gateways until the SIGTERM; then only the other one (a terminating pod leaves the Service).
      targets: (w, i) => (Date.now() < terminatedAt ? gateways[(w + i) % 2]! : gateways[1]!),
    });
    await sleep(3_000);
    terminatedAt = Date.now();
    notesA!.child.kill('SIGTERM');
    gatewayA!.child.kill('SIGTERM');
    const outcomes = await load;
    await Promise.all([notesA!.exited, gatewayA!.exited]);
    const atOther = outcomes.filter((outcome) => outcome.gateway === gateways[1]);
    // Requests in flight at the terminated gateway complete; one that reaches it once it is draining is
    // refused cleanly (503 "shutting down", in the error shape, or the connection refused once it no
    // longer listens), as a pod leaving its Service would be.
    const inFlight = outcomes.filter(
      (outcome) =>
        outcome.gateway === gateways[0] &&
        outcome.startedAt < terminatedAt &&
        outcome.endedAt >= terminatedAt &&
        !outcome.what.includes('shutting down') &&
        !outcome.what.includes('ECONNREFUSED'),
    );
    check(
      failed(atOther).length === 0,
      `SIGTERM to ${name(notesA!)} and ${name(gatewayA!)}: ${atOther.length} requests at the other gateway, ${failed(atOther).length} failed ${sample(atOther)}`,
    );
    check(
      failed(inFlight).length === 0,
      `  requests in flight at the terminated gateway: ${inFlight.length}, ${failed(inFlight).length} failed ${sample(inFlight)}`,
    );
    check(
      notesA!.child.exitCode === 0 && gatewayA!.child.exitCode === 0,
      `  both exited 0 (notes ${notesA!.child.exitCode}, gateway ${gatewayA!.child.exitCode})`,
    );
    figures['rolling stop'] =
      `SIGTERM to 1 notes + 1 gateway replica under load: ${failed(atOther).length} of ${atOther.length} requests failed at the others, ${failed(inFlight).length} of ${inFlight.length} in flight`;
  }

  // 4b. SIGKILL of one users replica: calls succeed again within the deadline.
  {
    const sessions = await Promise.all([0, 1, 2, 3].map(() => newSession(gateways[1]!)));
    const [usersA] = of('users');
    let killedAt = Infinity;
    // Load from 3 s before the kill until 3 s past the deadline after it.
    const load = steadyLoad({ sessions, durationMs: 6_000 + GRPC_TIMEOUT_MS, targets: () => gateways[1]! });
    await sleep(3_000);
    killedAt = Date.now();
    usersA!.child.kill('SIGKILL');
    const outcomes = await load;
    const after = outcomes.filter((outcome) => outcome.startedAt >= killedAt);
    const lastFailure = Math.max(killedAt, ...failed(after).map((outcome) => outcome.endedAt));
    const recoveredMs = lastFailure - killedAt;
    const late = after.filter((outcome) => outcome.startedAt > killedAt + GRPC_TIMEOUT_MS);
    check(
      failed(late).length === 0 && late.length > 0,
      `SIGKILL of ${name(usersA!)}: ${failed(after).length} of ${after.length} requests after it failed, the last ${recoveredMs} ms after the kill (deadline ${GRPC_TIMEOUT_MS} ms); ${failed(late).length} of ${late.length} later ones failed ${sample(after)}`,
    );
    figures['crash'] =
      `SIGKILL of 1 users replica under load: ${failed(after).length} of ${after.length} requests failed, all succeed again ${recoveredMs} ms after`;
  }
} catch (error) {
  failures.push((error as Error).message);
  console.error('✘', error);
} finally {
  if (failures.length > 0) {
    for (const replica of replicas) {
      console.error(`\n--- last lines of ${name(replica)}`);
      console.error(replica.output.slice(-15).join('\n'));
    }
  }
  await stopAll();
  proxy?.close();
  await postgres?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(0);
if (failures.length === 0) {
  writeFigures();
  console.log(`\nScale test passed in ${seconds} s.`);
} else {
  console.error(`\n✘ scale test failed (${failures.length}) in ${seconds} s:\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
}

/** The figures of this run, into README.md between the scale markers. */
function writeFigures() {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const begin = '<!-- test:scale figures: begin -->';
  const end = '<!-- test:scale figures: end -->';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return log('README.md has no test:scale markers; figures not written');
  const lines = Object.entries(figures).map(([what, value]) => `| ${what} | ${value} |`);
  const block = [
    begin,
    `Last run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, two replicas of each process, ${seconds} s in all.`,
    '',
    '| check | result |',
    '|---|---|',
    ...lines,
    end,
  ].join('\n');
  writeFileSync(readme, text.slice(0, from) + block + text.slice(to + end.length));
}
