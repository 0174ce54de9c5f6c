// The real stack for the browser tests: Postgres (TEST_DATABASE_URL, or an embedded one), the users,
// notes and gateway services from their sources, and the web app built once and run as in production
// (`node server.js`). Returns the teardown, which stops everything in reverse order.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startLocalPostgres, type LocalPostgres } from '@app/devkit';
import { startBackend, startWebApp, stopChild, type Cleanups } from './web-app.ts';

const web = resolve(import.meta.dirname, '..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  const cleanups: Cleanups = [];
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
    const { gateway } = await startBackend('e2e', cleanups);

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
