// The real stack for the browser tests: Postgres (TEST_DATABASE_URL, or an embedded one), the users,
// notes and gateway services from their sources, and the web app built once and run as in production
// (`node server.js`). Returns the teardown, which stops everything in reverse order.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startLocalPostgres, type LocalPostgres } from '@app/platform';
import { createTestDatabase, startServiceProcess, type ServiceProcess } from '@app/platform/testing';
import { startWebApp, stopChild } from './web-app.ts';

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

    // The production build, as it is deployed: built without an origin, ORIGIN given when it runs.
    // `npm run build` builds @app/platform too: the server loads its dist (the telemetry register).
    const build = spawnSync('npm', ['run', 'build', '--silent', '--', '--logLevel', 'warn'], {
      cwd: web,
      stdio: 'inherit',
      env: { ...process.env, NODE_OPTIONS: '', ORIGIN: '' },
    });
    if (build.status !== 0) throw new Error('vite build failed');

    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const app = await startWebApp({
      PORT: String(port),
      ORIGIN: origin,
      GATEWAY_URL: `http://127.0.0.1:${gateway.port}`,
    });
    cleanups.push(() => stopChild(app));

    process.env.E2E_BASE_URL = origin;
    process.env.E2E_WEB_DIR = web;
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
