// npm run new:service -- <name>      a gRPC service from templates/service, wired everywhere
// npm run remove:service -- <name>   takes a generated service out again (refuses to drop uncommitted work)
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  committed,
  format,
  invalidName,
  namesOf,
  nextPort,
  renderFiles,
  run,
  wirings,
  type Context,
} from './lib/generator.ts';
import { loadServices, root } from './lib/services.ts';

const [command, name, ...extra] = process.argv.slice(2);

function fail(message: string): never {
  console.error(`✘ ${message}`);
  process.exit(1);
}

if (!name || extra.length > 0 || !['new', 'remove'].includes(command ?? ''))
  fail(`usage: npm run ${command ?? 'new'}:service -- <name>`);

const read = (path: string) => readFileSync(join(root, path), 'utf8');
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};

/** Every file under `dir` (relative to the root), without installed, built or generated ones. */
function filesUnder(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir)).flatMap((entry) => {
    const path = join(dir, entry);
    if (['node_modules', 'dist', 'gen'].includes(entry)) return [];
    return statSync(join(root, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The yyyymmddhhmmss of now, in UTC: the first migration's name. */
const timestamp = () => new Date().toISOString().replace(/\D/g, '').slice(0, 14);

async function add(kebab: string) {
  const services = loadServices();
  const problem = invalidName(kebab, services);
  if (problem) fail(`cannot add "${kebab}": ${problem}`);
  const context: Context = { names: namesOf(kebab), port: nextPort(services), timestamp: timestamp() };

  for (const [path, text] of await renderFiles(context)) write(path, text);
  for (const wiring of wirings(services))
    write(wiring.file, await format(wiring.file, wiring.add(read(wiring.file), context)));

  console.log('\n▶ generating its TypeScript from the proto');
  run('npm', ['run', '--silent', 'proto']);
  console.log('\n▶ linking the new workspace (npm install)');
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline']);

  console.log(
    `\n✔ ${kebab}: gRPC on port ${context.port}, its own database, /api/${kebab} on the gateway.\n`,
  );
  run('git', ['status', '--short', '--untracked-files=all', '--', '.']);
  run('git', ['--no-pager', 'diff', '--stat']);
  console.log(
    [
      '',
      'Next:',
      `  npm run dev                               the new service starts with the rest`,
      `  npm test -w @app/${kebab}                 its tests, on a real Postgres`,
      `  edit proto/${context.names.snake}/v1/${context.names.snake}.proto, then npm run proto`,
      `  npm run remove:service -- ${kebab}        takes it out again`,
    ].join('\n'),
  );
}

async function remove(kebab: string) {
  const services = loadServices();
  const service = services.find((s) => s.name === kebab);
  if (!service || service.kind !== 'grpc' || !existsSync(join(root, `services/${kebab}`)))
    fail(`there is no generated gRPC service "${kebab}" (services.json, services/${kebab})`);
  const names = namesOf(kebab);
  const migration = readdirSync(join(root, `services/${kebab}/migrations`))
    .map((file) => /^Migration(\d{14})\.ts$/.exec(file)?.[1])
    .filter((stamp) => stamp !== undefined)
    .sort()[0];
  const context: Context = { names, port: service.port, timestamp: migration ?? '' };

  // Only what is committed, or exactly what the generator wrote, may go: anything else is work that
  // exists nowhere but in this working tree.
  const generated = await renderFiles(context);
  const owned = [
    ...filesUnder(`services/${kebab}`),
    ...filesUnder(`proto/${names.snake}`),
    ...[...generated.keys()].filter((path) => path.startsWith('services/gateway/')),
  ];
  const changed = owned.filter((path) => {
    if (!existsSync(join(root, path))) return false;
    const text = read(path);
    return text !== generated.get(path) && text !== committed(path);
  });
  if (changed.length > 0)
    fail(
      `${kebab} has uncommitted changes; commit or discard them first:\n${changed.map((p) => `  ${p}`).join('\n')}`,
    );

  for (const wiring of wirings(services).reverse())
    write(wiring.file, await format(wiring.file, wiring.remove(read(wiring.file), context)));
  for (const path of [
    `services/${kebab}`,
    `proto/${names.snake}`,
    ...owned.filter((path) => path.startsWith('services/gateway/')),
  ])
    rmSync(join(root, path), { recursive: true, force: true });

  console.log('\n▶ regenerating the TypeScript of the remaining protos');
  run('npm', ['run', '--silent', 'proto']);
  console.log('\n▶ unlinking the workspace (npm install)');
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline']);
  console.log(`\n✔ ${kebab} removed.`);
  run('git', ['status', '--short', '--', '.']);
}

await (command === 'new' ? add(name) : remove(name));
