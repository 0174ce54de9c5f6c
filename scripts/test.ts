// `npm test`: everything CI checks, in order, against one real Postgres for the whole run
// (the embedded one, or the server whose admin URL is in TEST_DATABASE_URL).
//   1. generated code is up to date with proto/      (npm run proto:check)
//   2. formatting and lint (prettier, ESLint)         (npm run lint)
//   3. types and Svelte components check              (npm run check)
//   4. every workspace's tests                        (npm test in each workspace)
//   5. the scripts' tests: npm run dev, the repository  (scripts/test)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres, type LocalPostgres } from '@app/devkit';
import { root } from './lib/services.ts';

// Every workspace of the root package.json, in its order (libraries first).
const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

function run(title: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0)
    throw new Error(`${title} failed (exit ${result.status ?? result.signal}, ${seconds}s)`);
  console.log(`✔ ${title} (${seconds}s)`);
}

let postgres: LocalPostgres | undefined;
let dataDir: string | undefined;
try {
  run('generated code is up to date', 'npm', ['run', '--silent', 'proto:check']);
  run('formatting and lint', 'npm', ['run', '--silent', 'lint']);
  run('typecheck', 'npm', ['run', '--silent', 'check']);

  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'test-postgres-'));
    postgres = await startLocalPostgres({ dataDir });
    adminUrl = postgres.adminUrl;
  }
  for (const workspace of workspaces) {
    run(`tests of ${workspace}`, 'npm', ['test', '--silent', '-w', workspace], {
      ...process.env,
      TEST_DATABASE_URL: adminUrl,
    });
  }
  // npm run dev and the repository's own set-up, as a user meets them (the real stack, started and
  // stopped by signals; its own Postgres data).
  run('tests of scripts', 'npx', ['vitest', 'run', '--config', 'scripts/vitest.config.ts']);
  console.log('\nAll checks passed.');
} catch (error) {
  console.error(`\n✘ ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await postgres?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
