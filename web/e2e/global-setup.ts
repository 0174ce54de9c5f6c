// The real stack for the browser tests: Postgres (TEST_DATABASE_URL, or an embedded one), the users,
// notes and gateway services from their sources, and the web app built once and run as in production
// (`node build/index.js`). Returns the teardown, which stops everything in reverse order.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startLocalPostgres, type LocalPostgres } from '@app/platform';
import { createTestDatabase, startServiceProcess, type ServiceProcess } from '@app/platform/testing';

const web = resolve(import.meta.dirname, '..');
const services = resolve(web, '../services');

export default async function globalSetup(): Promise<() => Promise<void>> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
  };
  try {
    let adminUrl = process.env.TEST_DATABASE_URL;
    if (!adminUrl) {
      const dataDir = mkdtempSync(join(tmpdir(), 'web-e2e-postgres-'));
      const postgres: LocalPostgres = await startLocalPostgres({ dataDir });
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      cleanups.push(() => postgres.stop());
      adminUrl = postgres.adminUrl;
    }
    // Fresh databases of their own, dropped afterwards (the server may be shared with other tests).
    process.env.TEST_DATABASE_URL = adminUrl;
    const usersDb = await createTestDatabase('e2e_users');
    cleanups.push(() => usersDb.drop());
    const notesDb = await createTestDatabase('e2e_notes');
    cleanups.push(() => notesDb.drop());

    const start = async (name: string, env: Record<string, string>): Promise<ServiceProcess> => {
      const service = await startServiceProcess({ cwd: join(services, name), env });
      cleanups.push(() => service.stop());
      return service;
    };
    const users = await start('users', { DATABASE_URL: usersDb.url });
    const notes = await start('notes', { DATABASE_URL: notesDb.url, USERS_ADDR: users.address });
    const gateway = await start('gateway', {
      USERS_ADDR: users.address,
      NOTES_ADDR: notes.address,
      JWT_SECRET: randomBytes(32).toString('hex'),
      RATE_LIMIT_AUTH_MAX: '10000',
    });

    // The production build, as it is deployed.
    const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } });
    if (build.status !== 0) throw new Error('vite build failed');

    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const app = await startWebApp({ PORT: String(port), ORIGIN: origin, GATEWAY_URL: `http://127.0.0.1:${gateway.port}` });
    cleanups.push(() => stopChild(app));

    process.env.E2E_BASE_URL = origin;
    process.env.E2E_WEB_DIR = web;
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}

/** `node build/index.js` in production mode; resolves once it listens. */
export function startWebApp(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['build/index.js'], {
    cwd: web,
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'production', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => fail('did not start in time'), 20_000);
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`web app ${reason}:\n${output.join('')}`));
    };
    child.once('exit', (code) => fail(`exited with ${code}`));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (/Listening on/.test(chunk.toString())) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolvePromise(child);
      }
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
