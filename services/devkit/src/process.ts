import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  port: number;
  /** 127.0.0.1:<port> */
  address: string;
  /** Every JSON log line the process wrote so far. */
  logs: Record<string, unknown>[];
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s); resolves with the exit code. */
  stop(): Promise<number | null>;
  child: ChildProcess;
}

export interface ServiceProcessOptions {
  /** The service's folder, e.g. services/users. */
  cwd: string;
  env?: Record<string, string | undefined>;
  entry?: string;
  startTimeoutMs?: number;
}

const REGISTER = '@app/platform/telemetry/register';

/**
 * Runs a service's real `main.ts` as its own process (as in production, but from sources) on a free
 * port, and resolves once it logs `listening`. For tests across service boundaries.
 */
export function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    // As in production: telemetry is loaded before the app (it only exports with an OTLP endpoint set).
    ['--conditions=app-source', '--import', 'tsx', '--import', REGISTER, options.entry ?? 'src/main.ts'],
    {
      cwd: options.cwd,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return child.exitCode;
  };

  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      void stop();
      reject(
        new Error(
          `${options.cwd}: ${reason}\n${stderr.join('')}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`,
        ),
      );
    };
    const timer = setTimeout(() => fail('did not start in time'), options.startTimeoutMs ?? 30_000);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(`exited with ${code} before listening`);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'listening' && typeof entry.port === 'number') {
        clearTimeout(timer);
        resolve({ port: entry.port, address: `127.0.0.1:${entry.port}`, logs, stop, child });
      }
    });
  });
}
