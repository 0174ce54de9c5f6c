// `npm run new:service` / `npm run remove:service`: a gRPC service from templates/service, wired into
// every place that must know it. Each wiring step is an edit with its exact inverse, so removing a
// service leaves every file as it was before it was added.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as prettier from 'prettier';
import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { loadServices, root, type Service } from './services.ts';

export const templateDir = join(root, 'templates/service');

/** The spellings of a service name that the template uses. */
export interface Names {
  /** `order-items`: package, workspace folder, image, chart key, route prefix. */
  kebab: string;
  /** `order_items`: proto package and folder, database, SQL identifiers. */
  snake: string;
  /** `OrderItems`: the service definition (`OrderItemsServiceDefinition`). */
  Pascal: string;
  /** `orderItems`: the gateway's upstream key. */
  camel: string;
  /** `ORDER_ITEMS`: environment variables (`ORDER_ITEMS_ADDR`). */
  CONST: string;
}

export function namesOf(kebab: string): Names {
  const words = kebab.split('-');
  const Pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return {
    kebab,
    snake: words.join('_'),
    Pascal,
    camel: Pascal[0]!.toLowerCase() + Pascal.slice(1),
    CONST: words.join('_').toUpperCase(),
  };
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Names that would clash with a workspace, a route, the chart's own resources or the language. */
const RESERVED = new Set([
  'platform',
  'devkit',
  'gateway',
  'web',
  'api',
  'app',
  'auth',
  'me',
  'docs',
  'healthz',
  'readyz',
  'postgres',
  'jaeger',
  'migrate',
  'migrations',
  'test',
  'tests',
  'node',
  'npm',
  'proto',
  'gen',
  'src',
  'dist',
  'lib',
  'scripts',
  'templates',
  'charts',
  'k8s',
  'health',
  'grpc',
  'google',
  'item',
  'items',
  'service',
  'services',
  'default',
  'delete',
  'new',
  'class',
  'function',
  'import',
  'export',
]);

/** Why the name cannot be a new service, or undefined when it can. */
export function invalidName(name: string, services: Service[] = loadServices()): string | undefined {
  if (!NAME.test(name))
    return 'use lowercase letters and digits, words separated by single dashes (e.g. "billing" or "order-items")';
  if (name.length > 30) return 'at most 30 characters (it names Kubernetes objects)';
  if (RESERVED.has(name)) return `"${name}" is reserved`;
  if (services.some((s) => s.name === name)) return `a service "${name}" exists already (services.json)`;
  const { snake } = namesOf(name);
  for (const path of [`services/${name}`, `proto/${snake}`, `services/gateway/src/routes/${name}.ts`])
    if (existsSync(join(root, path))) return `${path} exists already`;
  return undefined;
}

/** The next free gRPC port after the ones services.json uses. */
export function nextPort(services: Service[]): number {
  return Math.max(50050, ...services.filter((s) => s.kind === 'grpc').map((s) => s.port)) + 1;
}

export interface Context {
  names: Names;
  port: number;
  /** The migration's timestamp (yyyymmddhhmmss), part of its class and file name. */
  timestamp: string;
}

function substitute(text: string, { names, port, timestamp }: Context): string {
  return text
    .replaceAll('__kebab__', names.kebab)
    .replaceAll('__snake__', names.snake)
    .replaceAll('__Pascal__', names.Pascal)
    .replaceAll('__camel__', names.camel)
    .replaceAll('__CONST__', names.CONST)
    .replaceAll('__port__', String(port))
    .replaceAll('__timestamp__', timestamp);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** The files of a new service (path relative to the root → content), formatted as the repo formats them. */
export async function renderFiles(context: Context): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const path of walk(templateDir)) {
    const target = substitute(relative(templateDir, path), context);
    files.set(target, await format(target, substitute(readFileSync(path, 'utf8'), context)));
  }
  return files;
}

/** Prettier with the repo's settings, for the file at `path` (relative to the root). */
export async function format(path: string, text: string): Promise<string> {
  const file = join(root, path);
  const info = await prettier.getFileInfo(file, { ignorePath: join(root, '.prettierignore') });
  if (info.ignored || !info.inferredParser) return text;
  return prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
}

/** One place that must know the service, with the change that adds it and the one that takes it out. */
export interface Wiring {
  file: string;
  add(text: string, context: Context): string;
  remove(text: string, context: Context): string;
}

type Json = Record<string, unknown>;
const jsonEdit =
  (edit: (value: Json, context: Context) => void) =>
  (text: string, context: Context): string => {
    const value = JSON.parse(text) as Json;
    edit(value, context);
    return JSON.stringify(value, null, 2) + '\n';
  };
/** services.json keeps one service per line (prettier leaves an object on one line when it starts so). */
const servicesJsonEdit =
  (edit: (value: Json, context: Context) => void) =>
  (text: string, context: Context): string => {
    const { services, ...rest } = JSON.parse(text) as Json;
    const value = { ...rest, services };
    edit(value, context);
    const lines = (value.services as Json[]).map((service) => `    ${JSON.stringify(service)}`);
    const head = Object.entries(rest).map(([key, v]) => `  ${JSON.stringify(key)}: ${JSON.stringify(v)},\n`);
    return `{\n${head.join('')}  "services": [\n${lines.join(',\n')}\n  ]\n}\n`;
  };
const yamlEdit =
  (edit: (doc: Document, context: Context) => void) =>
  (text: string, context: Context): string => {
    const doc = parseDocument(text);
    edit(doc, context);
    return doc.toString({ lineWidth: 0 });
  };

/**
 * Inserts `block` (one line or several) before the line holding `marker`, indented as that line; the
 * inverse deletes exactly those lines from just above the marker.
 */
function beforeMarker(file: string, marker: string, block: (c: Context) => string): Wiring {
  const find = (lines: string[]) => {
    const at = lines.findIndex((l) => l.includes(marker));
    if (at < 0)
      throw new Error(`${file}: the line with "${marker}" is gone; add it back where new services go`);
    return at;
  };
  const blockLines = (lines: string[], at: number, c: Context) => {
    const indent = /^\s*/.exec(lines[at]!)![0];
    return block(c)
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => (l === '' ? '' : indent + l));
  };
  return {
    file,
    add(text, c) {
      const lines = text.split('\n');
      const at = find(lines);
      lines.splice(at, 0, ...blockLines(lines, at, c));
      return lines.join('\n');
    },
    remove(text, c) {
      const lines = text.split('\n');
      const at = find(lines);
      const wanted = blockLines(lines, at, c);
      const from = at - wanted.length;
      if (from >= 0 && wanted.every((l, i) => lines[from + i] === l)) lines.splice(from, wanted.length);
      return lines.join('\n');
    },
  };
}

/** Changes the one line that matches `pattern` (e.g. a list of names in a value), and back. */
function lineEdit(
  file: string,
  pattern: RegExp,
  add: (line: string, c: Context) => string,
  remove: (line: string, c: Context) => string,
): Wiring {
  const edit = (change: (line: string, c: Context) => string) => (text: string, c: Context) => {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => pattern.test(l));
    if (at < 0) throw new Error(`${file}: no line matches ${pattern}`);
    lines[at] = change(lines[at]!, c);
    return lines.join('\n');
  };
  return { file, add: edit(add), remove: edit(remove) };
}

/** A file of templates/wiring, filled in for the service. */
const wiringText = (file: string, context: Context) =>
  substitute(readFileSync(join(root, 'templates/wiring', file), 'utf8'), context);

/** A fragment of templates/wiring, filled in for the service, as a YAML node. */
function fragment(file: string, context: Context) {
  return parseDocument(wiringText(file, context)).contents;
}

function mapAt(doc: Document, path: string[]): YAMLMap {
  const map = doc.getIn(path, true);
  if (!isMap(map)) throw new Error(`no map at ${path.join('.')}`);
  return map;
}

function seqAt(doc: Document, path: (string | number)[]) {
  const seq = doc.getIn(path, true);
  if (!isSeq(seq)) throw new Error(`no list at ${path.join('.')}`);
  return seq;
}

/** The items of a YAML list as plain values, to find one by content. */
const plain = (node: unknown) => JSON.stringify((node as { toJSON(): unknown }).toJSON());

/** Adds (or removes) the entry `<service>: …` of a fragment to (from) the map at `path`. */
function mapEntry(file: string, fragmentFile: string, path: string[], before: string): Wiring {
  return {
    file,
    add: yamlEdit((doc, c) => {
      // Before the gateway's entry, as in services.json: the gRPC services first.
      const map = mapAt(doc, path);
      const at = map.items.findIndex((pair) => String((pair.key as { value?: unknown }).value) === before);
      map.items.splice(at < 0 ? map.items.length : at, 0, ...(fragment(fragmentFile, c) as YAMLMap).items);
    }),
    remove: yamlEdit((doc, c) => {
      mapAt(doc, path).delete(c.names.kebab);
    }),
  };
}

/** Adds (removes) the service's name to (from) the YAML list at `path`. */
function listName(file: string, path: (string | number)[]): Wiring {
  return {
    file,
    add: yamlEdit((doc, c) => {
      seqAt(doc, path).items.push(doc.createNode(c.names.kebab));
    }),
    remove: yamlEdit((doc, c) => {
      const seq = seqAt(doc, path);
      seq.items = seq.items.filter((item) => plain(item) !== JSON.stringify(c.names.kebab));
    }),
  };
}

export function wirings(services: Service[]): Wiring[] {
  const gateway = services.find((s) => s.kind === 'http')?.name ?? 'gateway';
  const optional = (file: string) => existsSync(join(root, file));
  return [
    {
      file: 'services.json',
      add: servicesJsonEdit((value, c) => {
        const list = value.services as Json[];
        const at = list.findIndex((s) => s.kind !== 'grpc');
        const entry = { name: c.names.kebab, kind: 'grpc', port: c.port, database: true, calls: [] };
        list.splice(at < 0 ? list.length : at, 0, entry);
        (list.find((s) => s.name === gateway)!.calls as string[]).push(c.names.kebab);
      }),
      remove: servicesJsonEdit((value, c) => {
        const list = (value.services as Json[]).filter((s) => s.name !== c.names.kebab);
        for (const s of list) s.calls = (s.calls as string[]).filter((n) => n !== c.names.kebab);
        value.services = list;
      }),
    },
    {
      file: 'package.json',
      add: jsonEdit((value, c) => {
        const list = value.workspaces as string[];
        list.splice(list.indexOf(`services/${gateway}`), 0, `services/${c.names.kebab}`);
      }),
      remove: jsonEdit((value, c) => {
        value.workspaces = (value.workspaces as string[]).filter((w) => w !== `services/${c.names.kebab}`);
      }),
    },
    {
      file: `services/${gateway}/package.json`,
      add: jsonEdit((value, c) => {
        const deps = { ...(value.dependencies as Record<string, string>), [`@app/${c.names.kebab}`]: '*' };
        value.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
      }),
      remove: jsonEdit((value, c) => {
        delete (value.dependencies as Record<string, string>)[`@app/${c.names.kebab}`];
      }),
    },
    beforeMarker(
      'Dockerfile',
      `COPY services/${gateway}/package.json`,
      (c) => `COPY services/${c.names.kebab}/package.json services/${c.names.kebab}/`,
    ),
    beforeMarker(
      `services/${gateway}/src/upstreams.ts`,
      'new:service import',
      (c) => `import { ${c.names.Pascal}ServiceDefinition } from '@app/${c.names.kebab}';`,
    ),
    beforeMarker(
      `services/${gateway}/src/upstreams.ts`,
      'new:service upstream',
      (c) =>
        `${c.names.camel}: { definition: ${c.names.Pascal}ServiceDefinition, address: '${c.names.CONST}_ADDR' },`,
    ),
    beforeMarker(
      `services/${gateway}/src/config.ts`,
      'new:service address',
      (c) => `${c.names.CONST}_ADDR: env.address({ devDefault: '127.0.0.1:${c.port}' }),`,
    ),
    beforeMarker(
      `services/${gateway}/src/app.ts`,
      'new:service import',
      (c) => `import ${c.names.camel} from './routes/${c.names.kebab}.js';`,
    ),
    beforeMarker(
      `services/${gateway}/src/app.ts`,
      'new:service route',
      (c) => `await fastify.register(${c.names.camel}, { prefix: '/api/${c.names.kebab}' });`,
    ),
    mapEntry('charts/app/values.yaml', 'chart-values.yaml', ['services'], gateway),
    listName('charts/app/values.yaml', ['services', gateway, 'calls']),
    ...(optional('charts/app/values-kind.yaml')
      ? [mapEntry('charts/app/values-kind.yaml', 'chart-values-kind.yaml', ['services'], gateway)]
      : []),
    ...(optional('charts/app/values-production.yaml')
      ? [mapEntry('charts/app/values-production.yaml', 'chart-values-production.yaml', ['services'], gateway)]
      : []),
    beforeMarker(
      'docker-compose.yml',
      'new:service services',
      (c) => `${wiringText('compose-services.yaml', c)}\n`,
    ),
    beforeMarker(
      'docker-compose.yml',
      'new:service address',
      (c) => `${c.names.CONST}_ADDR: ${c.names.kebab}:${c.port}`,
    ),
    beforeMarker(
      'docker-compose.yml',
      'new:service depends_on',
      (c) => `${c.names.kebab}:\n  condition: service_healthy`,
    ),
    lineEdit(
      'docker-compose.yml',
      /^\s+APP_DATABASES: /,
      (line, c) => `${line} ${c.names.snake}`,
      (line, c) => line.replace(new RegExp(` ${c.names.snake}\\b`), ''),
    ),
    {
      file: 'skaffold.yaml',
      add: yamlEdit((doc, c) => {
        const artifacts = seqAt(doc, ['build', 'artifacts']);
        const at = artifacts.items.findIndex((a) => (a as YAMLMap).get('image') === gateway);
        artifacts.items.splice(at, 0, fragment('skaffold-artifact.yaml', c) as never);
        const rule = doc.createNode(
          { src: `services/${c.names.kebab}/src/**`, dest: '/app' },
          { flow: true },
        );
        seqAt(doc, ['build', 'artifacts', at + 1, 'sync', 'manual']).items.push(rule);
        const values = mapAt(doc, ['deploy', 'helm', 'releases', '0', 'setValueTemplates']);
        values.set(`services.${c.names.kebab}.image.repository`, `{{.IMAGE_REPO_${c.names.kebab}}}`);
        values.set(`services.${c.names.kebab}.image.tag`, `{{.IMAGE_TAG_${c.names.kebab}}}`);
        // The cluster profile drops the dev target of every artifact, one patch per index: the list
        // gained one, so the last index needs its patch.
        const patches = clusterPatches(doc);
        const last = patches.items.findLastIndex((p) => targetPatch.test(String((p as YAMLMap).get('path'))));
        const patch = doc.createNode(
          { op: 'remove', path: `/build/artifacts/${artifacts.items.length - 1}/docker/target` },
          { flow: true },
        );
        patches.items.splice(last + 1, 0, patch as never);
      }),
      remove: yamlEdit((doc, c) => {
        const artifacts = seqAt(doc, ['build', 'artifacts']);
        artifacts.items = artifacts.items.filter((a) => (a as YAMLMap).get('image') !== c.names.kebab);
        const at = artifacts.items.findIndex((a) => (a as YAMLMap).get('image') === gateway);
        const sync = seqAt(doc, ['build', 'artifacts', at, 'sync', 'manual']);
        sync.items = sync.items.filter(
          (rule) => (rule as YAMLMap).get('src') !== `services/${c.names.kebab}/src/**`,
        );
        const values = mapAt(doc, ['deploy', 'helm', 'releases', '0', 'setValueTemplates']);
        values.delete(`services.${c.names.kebab}.image.repository`);
        values.delete(`services.${c.names.kebab}.image.tag`);
        const patches = clusterPatches(doc);
        const gone = `/build/artifacts/${artifacts.items.length}/docker/target`;
        patches.items = patches.items.filter((p) => (p as YAMLMap).get('path') !== gone);
      }),
    },
  ];
}

const targetPatch = /^\/build\/artifacts\/\d+\/docker\/target$/;

/** The patches of skaffold.yaml's `cluster` profile. */
function clusterPatches(doc: Document) {
  const profiles = seqAt(doc, ['profiles']);
  const at = profiles.items.findIndex((p) => (p as YAMLMap).get('name') === 'cluster');
  if (at < 0) throw new Error('skaffold.yaml: no cluster profile');
  return seqAt(doc, ['profiles', at, 'patches']);
}

/** Runs a command at the root, its output shown. */
export function run(command: string, args: string[], cwd = root): void {
  execFileSync(command, args, { cwd, stdio: 'inherit' });
}

/** The committed content of a file, or undefined when it is not in HEAD. */
export function committed(path: string): string | undefined {
  try {
    return execFileSync('git', ['show', `HEAD:${path}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
}
