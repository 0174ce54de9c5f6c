// Where the CPU time of a process goes, from the profiles `node --cpu-prof` writes
// (`npm run bench -- --profile`, or `tsx bench/profile.ts <dir>`): self time grouped by package
// (node_modules/<package>), by the platform's own workspaces, by Node internals and GC.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples: number[];
}

function groupOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return '(gc)';
  if (functionName === '(idle)' || functionName === '(program)') return functionName;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const workspace = /\/(services\/[^/]+|web)\//.exec(url)?.[1];
  if (workspace) return workspace;
  if (url.startsWith('node:') || url === '') return '(node internals)';
  return url;
}

export function summarize(file: string, top = 12): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const hits = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    const group = groupOf(node.callFrame.url, node.callFrame.functionName);
    hits.set(group, (hits.get(group) ?? 0) + 1);
  }
  const idle = hits.get('(idle)') ?? 0;
  const busy = profile.samples.length - idle;
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const rows = [...hits.entries()]
    .filter(([group]) => group !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([group, count]) => `    ${((100 * count) / busy).toFixed(1).padStart(5)}%  ${group}`);
  const busyShare = ((100 * busy) / profile.samples.length).toFixed(0);
  return [
    `  ${file.split('/').pop()}: busy ${busyShare}% of ${seconds.toFixed(0)} s; self time while busy:`,
    ...rows,
  ].join('\n');
}

/** Every process's main thread: in each folder, the profile with the most samples. */
export function summarizeProfiles(dir: string): string {
  const lines = [`CPU profiles in ${dir}:`];
  for (const name of readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()) {
    const files = readdirSync(join(dir, name))
      .filter((file) => file.endsWith('.cpuprofile'))
      .map((file) => join(dir, name, file));
    const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (main) lines.push(summarize(main));
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summarizeProfiles(process.argv[2] ?? '.'));
}
