// Build-time helper of the Dockerfile: drops from a production node_modules what Node never loads at
// run time, to keep the image small: type declarations, TypeScript sources, source maps, docs (licences
// stay), the @types packages, and the alternative ES builds of packages that have no "exports" map
// (Node loads their "main"; the "module"/"esnext" copies are for bundlers).
//   node docker/prune.ts <node_modules> [...]
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const DROP_FILE = /\.([mc]?ts|map|md|markdown)$/i;
let bytes = 0;

function remove(path: string) {
  bytes += size(path);
  rmSync(path, { recursive: true, force: true });
}

function size(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + size(join(path, entry)), 0);
}

/** The package folders directly in a node_modules folder (scoped ones included). */
function packagesIn(modules: string): string[] {
  if (!existsSync(modules)) return [];
  return readdirSync(modules).flatMap((entry) => {
    if (entry.startsWith('.')) return [];
    const path = join(modules, entry);
    return entry.startsWith('@') ? readdirSync(path).map((scoped) => join(path, scoped)) : [path];
  });
}

function prunePackage(dir: string) {
  if (!lstatSync(dir).isDirectory()) return; // a workspace link
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  if (!manifest.exports && typeof manifest.main === 'string') {
    const mainDir = normalize(dirname(join(dir, manifest.main)));
    for (const field of ['module', 'esnext', 'es2015']) {
      const value = manifest[field];
      if (typeof value !== 'string') continue;
      const altDir = normalize(dirname(join(dir, value)));
      if (altDir !== mainDir && altDir !== normalize(dir) && !mainDir.startsWith(`${altDir}/`))
        remove(altDir);
    }
  }
  walk(dir);
}

function walk(dir: string) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules') pruneModules(path);
      else walk(path);
    } else if (entry.isFile() && DROP_FILE.test(entry.name)) remove(path);
  }
}

function pruneModules(modules: string) {
  const types = join(modules, '@types');
  if (existsSync(types)) remove(types);
  for (const dir of packagesIn(modules)) if (existsSync(dir)) prunePackage(dir);
}

for (const modules of process.argv.slice(2)) pruneModules(modules);
console.log(`pruned ${(bytes / 1e6).toFixed(1)} MB from ${process.argv.slice(2).join(', ')}`);
