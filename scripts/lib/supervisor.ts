// One process of npm run dev, kept running the way a kubelet keeps a container running: restarted
// after a crash with an exponential back-off (1 s, 2 s, 4 s … 30 s; back to 1 s once it has run for
// a minute), and at once when one of the files it watches changes.
import { spawn, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';

export interface SupervisedSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Directories whose changes restart the process (none: it reloads by itself, like Vite). */
  watch: string[];
  /** Every line it prints, on stdout or stderr. */
  onLine: (line: string) => void;
  /** The runner's own lines about it (exited, restarting). */
  notice: (text: string, level?: 'info' | 'error') => void;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const WATCHED = /\.(ts|js|mjs|cjs|json|sql)$/;

export class Supervised {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private crashes = 0;
  private startedAt = 0;
  private retry: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private watchers: FSWatcher[] = [];
  private stopping = false;
  /** Children stopped on purpose: their exit is not a crash. */
  private readonly stopped = new WeakSet<ChildProcess>();

  constructor(private readonly spec: SupervisedSpec) {}

  start(): void {
    for (const dir of this.spec.watch) {
      try {
        this.watchers.push(watch(dir, { recursive: true }, (_event, file) => this.changed(dir, file)));
      } catch {
        // a folder a workspace does not have
      }
    }
    this.spawn();
  }

  /** Stops it for good: SIGTERM to its process group, SIGKILL after 10 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retry);
    clearTimeout(this.debounce);
    for (const watcher of this.watchers) watcher.close();
    await this.terminate();
  }

  /** SIGKILL to its process group, now (a second Ctrl-C). */
  kill(): void {
    this.stopping = true;
    if (this.child?.pid) signalGroup(this.child.pid, 'SIGKILL');
  }

  private spawn(): void {
    const { spec } = this;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own: a Ctrl-C in the terminal reaches it only through stop(), so
      // everything stops in order, and stop() also ends whatever it started (Vite's esbuild).
      detached: true,
    });
    this.child = child;
    this.startedAt = Date.now();
    createInterface({ input: child.stdout }).on('line', spec.onLine);
    createInterface({ input: child.stderr }).on('line', spec.onLine);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        spec.notice(`could not start: ${error.message}`, 'error');
      });
      child.once('close', (code, signal) => {
        if (child.pid) signalGroup(child.pid, 'SIGKILL'); // anything it left behind
        resolve();
        if (this.child === child) this.child = undefined;
        if (this.stopping || this.stopped.has(child)) return;
        this.crashed(signal ? `killed by ${signal}` : `exited with code ${code}`);
      });
    });
  }

  private crashed(how: string): void {
    if (Date.now() - this.startedAt > HEALTHY_AFTER_MS) this.crashes = 0;
    const delay = Math.min(FIRST_DELAY_MS * 2 ** this.crashes, MAX_DELAY_MS);
    this.crashes += 1;
    this.spec.notice(
      `${how}; restarting in ${delay / 1000} s (restart ${this.crashes}${this.spec.watch.length ? ', or save a file' : ''})`,
      'error',
    );
    this.retry = setTimeout(() => this.spawn(), delay);
  }

  private changed(dir: string, file: string | null): void {
    if (this.stopping || !file || !WATCHED.test(file) || file.includes('node_modules')) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.restart(relative(this.spec.cwd, `${dir}/${file}`)), 150);
  }

  private async restart(file: string): Promise<void> {
    if (this.stopping) return;
    this.spec.notice(`${file} changed, restarting`);
    clearTimeout(this.retry);
    this.crashes = 0;
    await this.terminate();
    if (!this.stopping) this.spawn();
  }

  private async terminate(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return this.exited;
    const pid = child.pid;
    this.stopped.add(child);
    const force = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
    signalGroup(pid, 'SIGTERM');
    await this.exited;
    clearTimeout(force);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
