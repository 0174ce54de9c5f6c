// The gateway as a process (src/main.ts): it starts from its configuration, logs `listening`, serves,
// and stops cleanly on SIGTERM; a bad configuration stops it at start naming the variable.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServiceProcess, startTestGrpcServer } from '@app/devkit';
import { UsersServiceDefinition } from '@app/users';
import { ServerError, Status, type ServiceImplementation } from 'nice-grpc';
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

  it('on SIGTERM, finishes the requests in flight (their gRPC calls included) before exiting', async () => {
    let arrived!: () => void;
    const callArrived = new Promise<void>((resolve) => (arrived = resolve));
    const createdAt = new Date().toISOString();
    const implemented: Record<string, unknown> = {
      async logIn() {
        arrived();
        await new Promise((resolve) => setTimeout(resolve, 500));
        return {
          user: { id: '00000000-0000-4000-8000-000000000000', email: 'a@example.com', name: 'A', createdAt },
          refreshToken: { token: 'opaque', expiresAt: createdAt },
        };
      },
    };
    const users = new Proxy({} as ServiceImplementation<typeof UsersServiceDefinition>, {
      get: (_target, method: string) =>
        implemented[method] ??
        (async () => {
          throw new ServerError(Status.UNIMPLEMENTED, method);
        }),
    });
    const upstream = await startTestGrpcServer((server) => server.add(UsersServiceDefinition, users));
    const gateway = await startServiceProcess({
      cwd,
      env: { JWT_SECRET: TEST_SECRET, USERS_ADDR: upstream.address, NOTES_ADDR: await closedAddress() },
    });
    try {
      const login = fetch(`http://${gateway.address}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a@example.com', password: 'password1' }),
      });
      await callArrived;
      const exited = gateway.stop();
      const response = await login;
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ refreshToken: 'opaque', tokenType: 'Bearer' });
      expect(await exited).toBe(0);
    } finally {
      await gateway.stop();
      await upstream.shutdown();
    }
  });

  it('refuses to start in production without JWT_SECRET, with a short one or the default, naming the variable', () => {
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

    // The development default is in the repository for anyone to read.
    const devDefault = run({ JWT_SECRET: 'dev-only-jwt-secret-never-use-in-production' });
    expect(devDefault.status).toBe(1);
    expect(devDefault.stderr).toContain('JWT_SECRET must not be the development default in production');

    const badAddress = run({ JWT_SECRET: TEST_SECRET, USERS_ADDR: 'not an address' });
    expect(badAddress.status).toBe(1);
    expect(badAddress.stderr).toContain('USERS_ADDR must be host:port');
  });
});
