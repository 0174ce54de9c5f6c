// npm run dev as a user (or an IDE, or a supervisor) runs and stops it: the real stack, on free ports,
// with its Postgres data in a temporary folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/devkit';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadServices, root } from '../lib/services.ts';

const services = loadServices();
const dataDir = mkdtempSync(join(tmpdir(), 'dev-test-'));
const running = new Set<ChildProcess>();

interface Dev {
  npm: ChildProcess;
  /** The node process running scripts/dev.ts (npm's child). */
  runner: number;
  output: string[];
  exited: Promise<number | null>;
  /** Resolves with the first line matching, rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
}

async function portsEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = { PGPORT: String(await freePort()) };
  for (const s of services)
    env[`${s.name.toUpperCase().replaceAll('-', '_')}_PORT`] = String(await freePort());
  return env;
}

function startDev(env: Record<string, string>): Dev {
  const npm = spawn('npm', ['run', 'dev'], {
    cwd: root,
    // As from a pipe (an IDE, CI): NO_COLOR unset, no terminal, so no colour codes either.
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, PGDATA: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // the test can clean up its whole group if something goes wrong
  });
  running.add(npm);
  const output: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      output.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  npm.stdout.on('data', onData);
  npm.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  return {
    npm,
    get runner() {
      const pid = descendants(npm.pid!).find((p) => cmdline(p).includes('scripts/dev.ts'));
      if (!pid) throw new Error('no runner process');
      return pid;
    },
    output,
    exited,
    waitFor(pattern, ms = 150_000) {
      const seen = output.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${pattern} in:\n${output.slice(-40).join('\n')}`)),
          ms,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

/** Every live process below `pid`. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (!stat || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
};

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Waits until none of `pids` is alive; fails naming the ones left. */
async function allGone(pids: number[], ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!pids.some(alive)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const left = pids.filter(alive).map((p) => `${p} ${cmdline(p)}`);
  throw new Error(`still running after ${ms / 1000} s:\n${left.join('\n')}`);
}

/** Starts the stack and returns every process it is made of, once it is up. */
async function upAndRunning(env: Record<string, string>) {
  const dev = startDev(env);
  await dev.waitFor(/Everything is up/);
  const tree = [dev.npm.pid!, ...descendants(dev.npm.pid!)];
  // Postgres, the local-postgres wrapper, every service, Vite.
  expect(tree.map(cmdline).filter((c) => c.includes('bin/postgres')).length).toBe(1);
  expect(tree.length).toBeGreaterThanOrEqual(services.length + 3);
  return { dev, tree };
}

beforeAll(() => {
  expect(process.platform, 'these tests read /proc').toBe('linux');
});

// A test that failed half-way leaves its stack: kill all of it before the next one starts.
afterEach(async () => {
  for (const npm of running) {
    const tree = [npm.pid!, ...descendants(npm.pid!)];
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await allGone(tree, 10_000);
  }
  running.clear();
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run dev', () => {
  test('restarts a crashed process, refuses a second run on its data or a taken port in one line, and stops on SIGTERM to npm', async () => {
    const env = await portsEnv();
    const { dev, tree } = await upAndRunning(env);
    expect(dev.output.join('\n'), 'no colour codes in piped output').not.toContain('\x1b[');
    // One line per request: the gateway's request log.
    const requests = dev.output.length;
    const response = await fetch(`http://127.0.0.1:${env.GATEWAY_PORT}/api/me`);
    expect(response.status).toBe(401);
    await new Promise((r) => setTimeout(r, 1_000));
    const gatewayLines = dev.output.slice(requests).filter((l) => /^gateway\s*│/.test(l));
    expect(gatewayLines).toEqual([
      expect.stringMatching(/request completed .*method=GET url=\/api\/me statusCode=401/),
    ]);

    // A crash: the notes process is killed; it is back within a few seconds, with a clear line.
    const notes = descendants(dev.npm.pid!).find(
      (p) => cmdline(p).includes('src/main.ts') && cwdOf(p).endsWith('services/notes'),
    )!;
    const before = dev.output.length;
    process.kill(notes, 'SIGKILL');
    await dev.waitFor(/notes\s*│ killed by SIGKILL; restarting in 1 s/, 5_000);
    const started = Date.now();
    await waitForLineAfter(dev, before, /notes\s*│ listening/, 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);

    // A second npm run dev on the same data: one line naming the first one.
    const second = startDev(await portsEnv());
    expect(await second.exited).toBe(1);
    const said = second.output.filter((l) => l.trim() && !l.startsWith('>'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      new RegExp(
        `Postgres is already running on .* \\(pid \\d+, started by pid ${dev.runner} \\(node .*scripts/dev\\.ts\\)\\)`,
      ),
    );

    // Its ports, with data of its own: one line naming the first port taken and who holds it.
    const users = descendants(dev.npm.pid!).find(
      (p) => cmdline(p).includes('src/main.ts') && cwdOf(p).endsWith('services/users'),
    )!;
    const third = startDev({ ...env, PGDATA: join(dataDir, 'other') });
    expect(await third.exited).toBe(1);
    expect(third.output.filter((l) => l.trim() && !l.startsWith('>'))).toEqual([
      expect.stringMatching(
        new RegExp(`^Port ${env.USERS_PORT} \\(users\\) is already in use by pid ${users} \\(node `),
      ),
    ]);

    // What an IDE's stop button does: SIGTERM to the process it started.
    const all = [...new Set([...tree, ...descendants(dev.npm.pid!)])];
    process.kill(dev.npm.pid!, 'SIGTERM');
    await allGone(all);
    expect(await dev.exited).toBe(0);
  });

  test.each([
    ['SIGINT', 'npm'],
    ['SIGHUP', 'runner'],
    ['SIGKILL', 'npm'], // the runner's parent dies
  ] as const)('%s to %s stops everything', async (signal, target) => {
    const { dev, tree } = await upAndRunning(await portsEnv());
    const all = [...new Set([...tree, ...descendants(dev.npm.pid!)])];
    process.kill(target === 'npm' ? dev.npm.pid! : dev.runner, signal);
    await allGone(all);
  });
});

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

/** The first line matching `pattern` printed after the first `after` lines. */
async function waitForLineAfter(dev: Dev, after: number, pattern: RegExp, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!dev.output.slice(after).some((line) => pattern.test(line))) {
    if (Date.now() > deadline)
      throw new Error(`no line matching ${pattern} in:\n${dev.output.slice(after).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
