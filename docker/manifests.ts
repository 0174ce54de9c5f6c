// Build-time helper of the Dockerfile (run with plain `node`, which strips the types): from the whole
// repository in <src>, writes for one service what the later stages start from, so that they depend
// on the manifests and the lockfile only (a change to any source file leaves their cache intact).
//   <out>/build/     root + workspace package.json files and the lockfile, for the build and dev stages
//                    (one install shared by every image): the workspaces of every service and those they
//                    depend on at run time, their own dev dependencies (svelte-kit, vite, ...), and of
//                    the root's tools only the toolchain
//   <out>/runtime/   the same workspaces, production dependencies only (what the image holds)
//   <out>/image.env  the service as services.json describes it, for the entrypoint and the health check
//   <out>/workspaces the workspace folders to build, libraries first, each with what the image keeps:
//                    `all` of its output, or for another service only its `boundary` (src/index.ts and
//                    the generated client it re-exports: what other services may import)
//   node docker/manifests.ts <src> <out>            writes <out>/build only: every service's workspaces
//   node docker/manifests.ts <src> <out> <service>  writes the rest, for that service
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadServices, workspaceOf } from '../scripts/lib/services.ts';

/** The root's dev dependencies the build and dev stages need: compiling, and running from sources. */
const TOOLCHAIN = ['typescript', '@types/node', 'tsx'];

interface Manifest {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

const [src = '', out = '', name] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: node docker/manifests.ts <src> <out> [<service>]');
  process.exit(2);
}
const services = loadServices(join(src, 'services.json'));
const service = services.find((s) => s.name === name);
if (name !== undefined && !service) {
  console.error(`SERVICE_NAME=${name} is not in services.json (${services.map((s) => s.name).join(', ')})`);
  process.exit(2);
}

const read = (path: string) => JSON.parse(readFileSync(join(src, path), 'utf8')) as Manifest;
const rootManifest = read('package.json');
const folders = rootManifest.workspaces ?? [];
const manifestOf = new Map(folders.map((folder) => [folder, read(join(folder, 'package.json'))]));
const folderOf = new Map([...manifestOf].map(([folder, manifest]) => [manifest.name, folder]));

/** A workspace and, transitively, the workspaces among its production dependencies, in root order. */
function closure(start: string[]): string[] {
  const needed = new Set<string>();
  const visit = (folder: string) => {
    if (needed.has(folder)) return;
    needed.add(folder);
    for (const dependency of Object.keys(manifestOf.get(folder)?.dependencies ?? {})) {
      const workspace = folderOf.get(dependency);
      if (workspace) visit(workspace);
    }
  };
  start.forEach(visit);
  return folders.filter((folder) => needed.has(folder));
}

const withoutWorkspaceDevs = (deps: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(deps).filter(([dep]) => !folderOf.has(dep)));
const pick = (deps: Record<string, string> = {}, names: string[]) =>
  Object.fromEntries(Object.entries(deps).filter(([dep]) => names.includes(dep)));

function write(set: 'build' | 'runtime', workspaces: string[]) {
  const dir = join(out, set);
  const save = (path: string, manifest: Manifest) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${JSON.stringify(manifest, null, 2)}\n`);
  };
  const { scripts: _scripts, ...root } = rootManifest;
  save('package.json', {
    ...root,
    workspaces,
    devDependencies: set === 'build' ? pick(root.devDependencies, TOOLCHAIN) : {},
  });
  copyFileSync(join(src, 'package-lock.json'), join(dir, 'package-lock.json'));
  for (const folder of workspaces) {
    const manifest = manifestOf.get(folder)!;
    save(join(folder, 'package.json'), {
      ...manifest,
      devDependencies: set === 'build' ? withoutWorkspaceDevs(manifest.devDependencies) : {},
    });
  }
}
if (!service) {
  write('build', closure(services.map(workspaceOf)));
  process.exit(0);
}
const workspaces = closure([workspaceOf(service)]);
write('runtime', workspaces);

const dir = workspaceOf(service);
const entry = (file: string) => (service.kind === 'web' ? '' : `${dir}/dist/src/${file}.js`);
writeFileSync(
  join(out, 'image.env'),
  [
    `SERVICE_NAME=${service.name}`,
    `SERVICE_KIND=${service.kind}`,
    `SERVICE_PORT=${service.port}`,
    `SERVICE_DIR=${dir}`,
    `SERVE=${service.kind === 'web' ? `${dir}/server.js` : entry('main')}`,
    `MIGRATE=${service.database ? entry('migrate') : ''}`,
    '',
  ].join('\n'),
);
const serviceFolders = new Set(services.map(workspaceOf));
const roles = workspaces.map((folder) =>
  serviceFolders.has(folder) && folder !== dir ? `${folder} boundary` : `${folder} all`,
);
writeFileSync(join(out, 'workspaces'), `${roles.join('\n')}\n`);
