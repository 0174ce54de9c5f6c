// Regenerates every gRPC service's TypeScript from proto/ with buf and proto/buf.gen.yaml (ts-proto),
// once per service in services.json: proto/<name>/ → services/<name>/src/gen.
//   npm run proto          lint the protos, then write only the generated files that changed (a watcher
//                          restarts only the services whose API changed) and remove stale ones
//   npm run proto:check    fail when the committed generated code differs from what the protos give
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { loadServices, root } from './lib/services.ts';

const protoDir = join(root, 'proto');
const buf = join(root, 'node_modules/.bin/buf');

const services = loadServices()
  .filter((service) => service.kind === 'grpc')
  .map((service) => service.name);

/** The generated directory of a service, relative to the repository (the template's `out`). */
const genDir = (name: string) => join('services', name, 'src/gen');

/** Runs buf with proto/buf.gen.yaml for one service, writing under outRoot/services/<name>. */
function generate(name: string, outRoot: string): void {
  const args = ['generate', '--template', 'buf.gen.yaml', '--path', name, '--output'];
  execFileSync(buf, [...args, join(outRoot, 'services', name)], { cwd: protoDir, stdio: 'inherit' });
}

/** Every file under dir, relative to it (none when it does not exist). */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** What differs between the fresh output and the committed one: paths relative to the service's gen dir. */
function differences(fresh: string, current: string) {
  const wanted = files(fresh);
  const changed = wanted.filter((file) => {
    const path = join(current, file);
    return !existsSync(path) || !readFileSync(path).equals(readFileSync(join(fresh, file)));
  });
  const stale = files(current).filter((file) => !wanted.includes(file));
  return { changed, stale };
}

execFileSync(buf, ['lint'], { cwd: protoDir, stdio: 'inherit' });

const scratch = mkdtempSync(join(tmpdir(), 'proto-'));
try {
  const outdated: string[] = [];
  for (const name of services) {
    generate(name, scratch);
    const fresh = join(scratch, genDir(name));
    const current = join(root, genDir(name));
    const { changed, stale } = differences(fresh, current);
    if (changed.length + stale.length === 0) continue;
    outdated.push(genDir(name));
    if (process.argv.includes('--check')) {
      for (const file of [...changed, ...stale]) console.error(`  stale: ${join(genDir(name), file)}`);
      continue;
    }
    for (const file of changed) {
      mkdirSync(dirname(join(current, file)), { recursive: true });
      writeFileSync(join(current, file), readFileSync(join(fresh, file)));
    }
    for (const file of stale) rmSync(join(current, file));
    console.log(`updated ${genDir(name)}: ${changed.length} written, ${stale.length} removed`);
  }
  if (process.argv.includes('--check')) {
    if (outdated.length > 0) {
      console.error(`Generated code is stale in: ${outdated.join(', ')}. Run \`npm run proto\`.`);
      process.exitCode = 1;
    } else {
      console.log('Generated code is up to date.');
    }
  } else if (outdated.length === 0) {
    console.log('Generated code is up to date; nothing written.');
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
