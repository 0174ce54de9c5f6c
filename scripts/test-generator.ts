// `npm run test:generator`: npm run new:service on a clone of this repository, proven end to end, then
// npm run remove:service, which must leave the clone exactly as it was.
//   1. clone (the committed HEAD) and npm ci
//   2. npm run new:service -- inventory
//   3. its tests and the gateway's tests of it, on a real Postgres; npm run check
//   4. the chart renders its Deployment, Service, headless Service and NetworkPolicy; the chart, dev-loop
//      and compose agreement checks (npm run test:k8s) pass with it
//   5. npm run dev picks it up: an HTTP round trip through the gateway to it
//   6. npm run remove:service -- inventory, then `git status` is clean
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, startLocalPostgres } from '@app/devkit';
import { root } from './lib/services.ts';

const NAME = 'inventory';
const work = mkdtempSync(join(tmpdir(), 'generator-'));
const copy = join(work, 'repo');

function step(title: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = copy) {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0)
    throw new Error(`${title} failed (exit ${result.status ?? result.signal}, ${seconds}s)`);
  console.log(`✔ ${title} (${seconds}s)`);
}

function output(command: string, args: string[]): string {
  return spawnSync(command, args, { cwd: copy, encoding: 'utf8' }).stdout;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** The chart of the clone, rendered with its defaults: the objects named after the new service. */
async function chartObjects(): Promise<string[]> {
  const { render } = (await import(join(copy, 'scripts/k8s/render.ts'))) as typeof import('./k8s/render.ts');
  return render()
    .filter((object) => object.metadata.name.includes(NAME))
    .map((object) => `${object.kind}/${object.metadata.name}`);
}

/** `npm run dev` in the clone, on ports of its own; resolves once it says everything is up. */
async function startDev(
  databaseUrl: string,
): Promise<{ child: ChildProcess; gateway: string; log: string[] }> {
  const ports = {
    USERS_PORT: await freePort(),
    NOTES_PORT: await freePort(),
    INVENTORY_PORT: await freePort(),
    GATEWAY_PORT: await freePort(),
    WEB_PORT: await freePort(),
  };
  const child = spawn('npm', ['run', 'dev'], {
    cwd: copy,
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      DATABASE_URL: databaseUrl,
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm run dev was not up within 180 s:\n${log.slice(-30).join('\n')}`)),
      180_000,
    );
    const onLine = (line: string) => {
      log.push(line);
      if (line.includes('Everything is up')) {
        clearTimeout(timer);
        // The summary lines follow; give them a moment to arrive.
        setTimeout(resolve, 500);
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) =>
      reject(new Error(`npm run dev exited (${code}):\n${log.slice(-30).join('\n')}`)),
    );
  });
  return { child, gateway: `http://127.0.0.1:${ports.GATEWAY_PORT}`, log };
}

async function json(url: string, init: RequestInit & { body?: string } = {}, token?: string) {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function roundTrip(gateway: string): Promise<void> {
  const email = `generated-${Date.now()}@example.com`;
  const credentials = JSON.stringify({ email, password: 'correct horse battery staple' });
  const signup = await json(`${gateway}/api/auth/signup`, {
    method: 'POST',
    body: JSON.stringify({ ...JSON.parse(credentials), name: 'Gen' }),
  });
  check(signup.status === 201, `sign-up answered ${signup.status}: ${JSON.stringify(signup.body)}`);
  const login = await json(`${gateway}/api/auth/login`, { method: 'POST', body: credentials });
  check(login.status === 200, `log-in answered ${login.status}`);
  const token = String(login.body.accessToken);
  const created = await json(
    `${gateway}/api/${NAME}`,
    { method: 'POST', body: JSON.stringify({ name: 'Generated' }) },
    token,
  );
  check(
    created.status === 201,
    `POST /api/${NAME} answered ${created.status}: ${JSON.stringify(created.body)}`,
  );
  const list = await json(`${gateway}/api/${NAME}`, {}, token);
  const items = (list.body.items ?? []) as { id: string; name: string }[];
  check(
    list.status === 200 && items.length === 1 && items[0]?.id === created.body.id,
    `GET /api/${NAME}: ${JSON.stringify(list.body)}`,
  );
  const ready = await json(`${gateway}/readyz`);
  check(ready.status === 200, `/readyz answered ${ready.status} with ${NAME} in the stack`);
  console.log(`✔ round trip through the gateway: POST and GET /api/${NAME}, /readyz 200`);
}

function stopDev(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const postgresDir = join(work, 'postgres');
const postgres = await startLocalPostgres({ dataDir: postgresDir });
let dev: ChildProcess | undefined;
try {
  step('clone', 'git', ['clone', '--quiet', root, copy], {}, work);
  step('npm ci in the clone', 'npm', [
    'ci',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--loglevel=error',
  ]);
  step(`npm run new:service -- ${NAME}`, 'npm', ['run', 'new:service', '--', NAME]);
  const test = { TEST_DATABASE_URL: postgres.adminUrl };
  step(`tests of @app/${NAME}`, 'npm', ['test', '--silent', '-w', `@app/${NAME}`], test);
  step(
    `the gateway's tests of /api/${NAME}`,
    'npx',
    ['vitest', 'run', `test/${NAME}.test.ts`],
    test,
    join(copy, 'services/gateway'),
  );
  step('npm run check', 'npm', ['run', '--silent', 'check']);
  step('formatting and lint', 'npm', ['run', '--silent', 'lint']);

  const objects = await chartObjects();
  for (const expected of [
    `Deployment/app-${NAME}`,
    `Service/app-${NAME}`,
    `Service/app-${NAME}-headless`,
    `NetworkPolicy/app-${NAME}`,
  ])
    check(
      objects.includes(expected),
      `the chart does not render ${expected}; it renders ${objects.join(', ')}`,
    );
  console.log(`✔ the chart renders ${objects.join(', ')}`);
  step('chart, dev-loop and compose agreement checks', 'npm', ['run', '--silent', 'test:k8s']);

  const started = await startDev(postgres.adminUrl);
  dev = started.child;
  check(
    started.log.some((line) => new RegExp(`^\\s+${NAME}\\s+grpc://`).test(line)),
    `npm run dev did not start ${NAME}:\n${started.log.join('\n')}`,
  );
  await roundTrip(started.gateway);
  await stopDev(dev);
  dev = undefined;

  step(`npm run remove:service -- ${NAME}`, 'npm', ['run', 'remove:service', '--', NAME]);
  const status = output('git', ['status', '--porcelain', '--untracked-files=all']);
  check(status.trim() === '', `remove:service left the clone changed:\n${status}`);
  console.log('✔ remove:service left the clone as it was (git status clean)');
  console.log('\nThe generator works end to end.');
} catch (error) {
  console.error(`\n✘ ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  if (dev) await stopDev(dev);
  await postgres.stop();
  rmSync(work, { recursive: true, force: true });
}
