// The gateway as a process (src/main.ts): it starts from its configuration, logs `listening`, serves,
// and stops cleanly on SIGTERM; a bad configuration stops it at start naming the variable.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServiceProcess } from '@app/platform/testing';
import { describe, expect, it } from 'vitest';
import { closedAddress, TEST_SECRET } from './helpers.js';

const cwd = fileURLToPath(new URL('..', import.meta.url));

describe('main.ts', () => {
  it('listens, answers /healthz, and exits 0 on SIGTERM', async () => {
    const gateway = await startServiceProcess({
      cwd,
      env: { JWT_SECRET: TEST_SECRET, USERS_ADDR: await closedAddress(), NOTES_ADDR: await closedAddress() },
    });
    try {
      const response = await fetch(`http://${gateway.address}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`http://${gateway.address}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
    expect(gateway.logs.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['listening', 'shutting down', 'stopped']),
    );
  });

  it('refuses to start in production without JWT_SECRET or with a short one, naming the variable', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--conditions=app-source', '--import', 'tsx', 'src/main.ts'], {
        cwd,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          USERS_ADDR: '127.0.0.1:1',
          NOTES_ADDR: '127.0.0.1:2',
          PORT: '0',
          ...env,
        },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const missing = run({ JWT_SECRET: '' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('JWT_SECRET is required in production');

    const short = run({ JWT_SECRET: 'too-short' });
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('JWT_SECRET must be at least 32 characters long');

    const badAddress = run({ JWT_SECRET: TEST_SECRET, USERS_ADDR: 'not an address' });
    expect(badAddress.status).toBe(1);
    expect(badAddress.stderr).toContain('USERS_ADDR must be host:port');
  });
});
