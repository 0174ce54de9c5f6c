// The stack the browser tests run against, as processes: the services from their sources and the
// built web app, as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createTestDatabase, startServiceProcess, type ServiceProcess } from '@app/devkit';

const web = resolve(import.meta.dirname, '..');
const services = resolve(web, '../services');

export type Cleanups = Array<() => Promise<unknown>>;

/**
 * users, notes and the gateway on fresh databases of their own (on the server in TEST_DATABASE_URL);
 * `env` adds variables per service. What to stop and drop is pushed onto `cleanups`.
 */
export async function startBackend(
  prefix: string,
  cleanups: Cleanups,
  env: (service: string) => Record<string, string> = () => ({}),
): Promise<{ gateway: ServiceProcess }> {
  const usersDb = await createTestDatabase(`${prefix}_users`);
  cleanups.push(() => usersDb.drop());
  const notesDb = await createTestDatabase(`${prefix}_notes`);
  cleanups.push(() => notesDb.drop());
  const start = async (name: string, own: Record<string, string>) => {
    const service = await startServiceProcess({ cwd: join(services, name), env: { ...own, ...env(name) } });
    cleanups.push(() => service.stop());
    return service;
  };
  const users = await start('users', { DATABASE_URL: usersDb.url, PASSWORD_HASH_COST: '12' });
  const notes = await start('notes', { DATABASE_URL: notesDb.url, USERS_ADDR: users.address });
  const gateway = await start('gateway', {
    USERS_ADDR: users.address,
    NOTES_ADDR: notes.address,
    JWT_SECRET: randomBytes(32).toString('hex'),
    RATE_LIMIT_AUTH_MAX: '10000',
  });
  return { gateway };
}

/** `node server.js` (the build, with ORIGIN read at run time) in production mode; resolves once it listens. */
export function startWebApp(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['server.js'], {
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
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
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
