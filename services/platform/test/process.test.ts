// runProcess on a bug: an uncaught exception or an unhandled rejection is logged (fatal, with the
// error), stop() gets a bounded chance, and the process exits with 1.
import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';

interface Run {
  code: number | null;
  stderr: string;
  lines: Record<string, unknown>[];
  ms: number;
}

function run(crash: string): Promise<Run> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--conditions=app-source', '--import', 'tsx', 'test/fixtures/crashing-process.ts'],
    {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, CRASH: crash, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) =>
      resolve({
        code,
        stderr,
        ms: Date.now() - started,
        lines: out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      }),
    ),
  );
}

const messages = (r: Run) => r.lines.map((l) => l.msg);

describe('runProcess on an error nobody handled', () => {
  test.each([
    ['throw', 'uncaught exception', 'boom (thrown)'],
    ['reject', 'unhandled promise rejection', 'boom (rejected)'],
  ])('%s: logs it as fatal, stops gracefully, exits with 1', async (crash, msg, message) => {
    const result = await run(crash);
    expect(result.code, JSON.stringify(result, null, 1)).toBe(1);
    const fatal = result.lines.find((l) => l.level === 'fatal');
    expect(fatal, JSON.stringify(result, null, 1)).toMatchObject({
      msg,
      service: 'crasher',
      err: { message },
    });
    expect((fatal!.err as { stack: string }).stack).toContain('crashing-process.ts');
    // The fatal line and stop()'s own line may reach stdout in either order (asynchronous writes).
    expect(messages(result)[0]).toBe('listening');
    expect([...messages(result)].sort()).toEqual(['listening', msg, 'stopping gracefully'].sort());
  });

  test('a stop that hangs is cut short: exits with 1 within the bound', async () => {
    const result = await run('hang');
    expect(result.code).toBe(1);
    expect(messages(result)).toEqual([
      'listening',
      'uncaught exception',
      'stopping gracefully',
      'stopping took too long after the error, exiting',
    ]);
    expect(result.ms).toBeLessThan(15_000);
  });
});
