// `npm run test:resilience`: the slow suites, against real processes and a real Postgres, then the
// figures they measured into README.md (between the reliability markers):
//   1. the fuzz suites with more runs (FUZZ_RUNS, 3000 requests for the gateway, 1500 calls for each
//      service): every gateway route over HTTP, the users and notes gRPC APIs directly;
//   2. scripts/resilience: faults (kill, stop, SIGSTOP, SIGKILL during writes, SIGTERM under load),
//      log-in timing, a log-in flood's memory, and a soak (SOAK_SECONDS, 300 by default).
// Each suite records its figures (recordFigure from @app/devkit) into one file for this run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres } from '@app/devkit';
import type { Figure } from '@app/devkit';
import { root } from './lib/services.ts';

const work = mkdtempSync(join(tmpdir(), 'resilience-'));
const figuresFile = join(work, 'figures.jsonl');
writeFileSync(figuresFile, '');
const started = Date.now();

function run(title: string, args: string[], env: NodeJS.ProcessEnv): boolean {
  console.log(`\n▶ ${title}`);
  const begin = Date.now();
  const result = spawnSync('npx', args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RELIABILITY_FIGURES: figuresFile, ...env },
  });
  const seconds = ((Date.now() - begin) / 1000).toFixed(0);
  console.log(`${result.status === 0 ? '✔' : '✘'} ${title} (${seconds} s)`);
  return result.status === 0;
}

// A directory of its own (as root, Postgres runs as the postgres user, who cannot enter `work`).
function runAsync(title: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  console.log(`\n▶ ${title}`);
  const begin = Date.now();
  const child = spawn('npx', args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RELIABILITY_FIGURES: figuresFile, ...env },
  });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => `[${title}] ${line}`)
      .join('\n');
  child.stdout.on('data', (chunk: Buffer) => console.log(prefix(chunk)));
  child.stderr.on('data', (chunk: Buffer) => console.error(prefix(chunk)));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      console.log(`${code === 0 ? '✔' : '✘'} ${title} (${((Date.now() - begin) / 1000).toFixed(0)} s)`);
      resolve(code === 0);
    }),
  );
}

const postgresDir = mkdtempSync(join(tmpdir(), 'resilience-postgres-'));
const postgres = await startLocalPostgres({ dataDir: postgresDir });
const failed: string[] = [];
try {
  const testDb = { TEST_DATABASE_URL: postgres.adminUrl };
  const fuzz: [string, string, string][] = [
    ['fuzz: gateway HTTP', 'services/gateway', '3000'],
    ['fuzz: notes gRPC', 'services/notes', '1500'],
    ['fuzz: users gRPC', 'services/users', '1500'],
  ];
  // The three at once (they share only the Postgres server), each with its output prefixed.
  const results = await Promise.all(
    fuzz.map(([title, dir, runs]) =>
      runAsync(title, ['vitest', 'run', '--root', dir, 'test/fuzz.test.ts'], { ...testDb, FUZZ_RUNS: runs }),
    ),
  );
  fuzz.forEach(([title], i) => results[i] || failed.push(title));
} finally {
  await postgres.stop();
  rmSync(postgresDir, { recursive: true, force: true });
}
if (
  !run(
    'faults, timing, load and soak',
    ['vitest', 'run', '--config', 'scripts/resilience/vitest.config.ts'],
    {},
  )
)
  failed.push('scripts/resilience');

writeReadme(failed.length === 0);
rmSync(work, { recursive: true, force: true });
console.log(
  failed.length
    ? `\n✘ failed: ${failed.join(', ')}`
    : `\nAll resilience suites passed (${((Date.now() - started) / 60_000).toFixed(1)} min).`,
);
process.exitCode = failed.length ? 1 : 0;

/** The figures of this run (the last of each suite) as the README's Reliability block. */
function writeReadme(passed: boolean) {
  const figures = new Map<string, Figure['values']>();
  for (const line of readFileSync(figuresFile, 'utf8').split('\n')) {
    if (!line) continue;
    const figure = JSON.parse(line) as Figure;
    figures.set(figure.suite, figure.values);
  }
  const begin = '<!-- test:resilience figures: begin -->';
  const end = '<!-- test:resilience figures: end -->';
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const from = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    console.log('README.md has no test:resilience markers; figures not written');
    return;
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const rows = [...figures].map(
    ([suite, values]) =>
      `| ${suite} | ${Object.entries(values)
        .map(([key, value]) => `${key}: ${value}`)
        .join('; ')} |`,
  );
  const block = [
    begin,
    `Last run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes} min, ${passed ? 'all passed' : 'FAILED'} (written by \`npm run test:resilience\`).`,
    '',
    '| suite | figures |',
    '|---|---|',
    ...rows,
    end,
  ].join('\n');
  writeFileSync(readmePath, readme.slice(0, from) + block + readme.slice(to + end.length));
  console.log('README.md: Reliability figures written');
}
