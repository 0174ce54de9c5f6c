// "The compiler lists what you missed": on a temporary copy of the repository, add a field to the notes
// API as the README's "Add a field end to end" guide does (proto, `npm run proto`) and nothing else, then
// check that `npm run check` fails at every place that must forward it: the notes handler (request →
// domain input, domain → proto), the gateway routes (REST body → gRPC request) and the gateway converter
// (gRPC answer → REST JSON). Then add it to the gateway's body schema and check that the web app's form
// actions fail until they send it.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../lib/services.ts';

let copy: string;

/** The repository's files as they are in the working tree (tracked and new, not ignored). */
function repositoryFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  return listed.split('\0').filter((file) => file !== '' && existsSync(join(root, file)));
}

/**
 * node_modules of the copy: the root's packages, except that the workspace links point into the copy.
 * Workspaces' own node_modules (nested versions) are linked as they are.
 */
function linkNodeModules(): void {
  const modules = join(copy, 'node_modules');
  mkdirSync(join(modules, '@app'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '@app') symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
  }
  for (const workspace of readdirSync(join(root, 'node_modules/@app'))) {
    const target = execFileSync('realpath', [join(root, 'node_modules/@app', workspace)], {
      encoding: 'utf8',
    });
    symlinkSync(join(copy, relative(root, target.trim())), join(modules, '@app', workspace));
  }
  for (const dir of [...readdirSync(join(root, 'services')).map((name) => `services/${name}`)]) {
    const nested = join(root, dir, 'node_modules');
    if (existsSync(nested)) symlinkSync(nested, join(copy, dir, 'node_modules'));
  }
}

function edit(file: string, from: string, to: string): void {
  const path = join(copy, file);
  const text = readFileSync(path, 'utf8');
  expect(text, `${file} has ${from}`).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

/** The type errors of one workspace's `npm run check`, as "file:line<tab>text of that line". */
function typeErrors(workspace: string): string[] {
  // No colours: svelte-check colours its output when CI is set, which would hide the paths below.
  const check = spawnSync('npm', ['run', '--silent', 'check', '-w', workspace], {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  // eslint-disable-next-line no-control-regex
  const output = `${check.stdout}\n${check.stderr}`.replace(/\x1b\[[\d;]*m/g, '');
  const errors = new Set<string>();
  // tsc: "src/handler.ts(41,9): error TS2345: …"; svelte-check: "/abs/path/file.ts:12:3\nError: …"
  for (const match of output.matchAll(/^(\S+?)\((\d+),\d+\): error TS\d+/gm)) {
    errors.add(
      located(
        join(copy, workspace === '@app/web' ? 'web' : `services/${workspace.slice(5)}`, match[1]!),
        Number(match[2]),
      ),
    );
  }
  for (const match of output.matchAll(/^(\/\S+?):(\d+):\d+\nError:/gm))
    errors.add(located(match[1]!, Number(match[2])));
  if (check.status === 0) expect(errors.size).toBe(0);
  else expect(errors.size, output).toBeGreaterThan(0);
  return [...errors].sort();
}

/** The source lines with an error in one file, in line order. */
function at(errors: string[], file: string): string[] {
  const lineOf = (error: string) => Number(error.split('\t')[0]!.split(':').at(-1));
  return errors
    .filter((error) => error.startsWith(`${file}:`))
    .sort((a, b) => lineOf(a) - lineOf(b))
    .map((error) => error.split('\t')[1]!);
}

function located(path: string, line: number): string {
  const text = readFileSync(path, 'utf8').split('\n')[line - 1]?.trim();
  return `${relative(copy, path)}:${line}\t${text}`;
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'contract-'));
  for (const file of repositoryFiles()) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  linkNodeModules();
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('adding a request field without forwarding it fails npm run check', () => {
  it('a field added to the notes proto fails the notes handler and the gateway where it must be forwarded', () => {
    const proto = 'proto/notes/v1/notes.proto';
    edit(
      proto,
      '  google.protobuf.Timestamp updated_at = 7;\n}',
      '  google.protobuf.Timestamp updated_at = 7;\n  bool pinned = 8;\n}',
    );
    edit(
      proto,
      'message CreateNoteRequest {\n  string title = 1;\n  string body = 2;\n',
      'message CreateNoteRequest {\n  string title = 1;\n  string body = 2;\n  bool pinned = 3;\n',
    );
    edit(
      proto,
      '  optional string body = 3;\n}',
      '  optional string body = 3;\n  optional bool pinned = 4;\n}',
    );
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/proto.ts'], { cwd: copy, stdio: 'pipe' });

    const notes = typeErrors('@app/notes');
    // CreateNote and UpdateNote do not forward `pinned` to the domain, and toProto does not set it.
    expect(at(notes, 'services/notes/src/handler.ts')).toEqual([
      'allFieldsUsed(rest);',
      'allFieldsUsed(rest);',
      'return {',
    ]);

    const gateway = typeErrors('@app/gateway');
    // POST and PATCH build their gRPC request without `pinned`; toNote does not pass it on.
    expect(at(gateway, 'services/gateway/src/routes/notes.ts')).toEqual([
      'const message: Complete<CreateNoteRequest> = { title, body };',
      'const message: Complete<UpdateNoteRequest> = { id: request.params.id, title, body };',
    ]);
    expect(at(gateway, 'services/gateway/src/convert.ts')).toEqual(['allFieldsUsed(rest);']);
  });

  it("a field added to the gateway's body schema fails the web app's form actions until they send it", () => {
    edit(
      'services/gateway/src/schemas.ts',
      'export const CreateNoteBody = Type.Object({ title: Title, body: Body }',
      'export const CreateNoteBody = Type.Object({ title: Title, body: Body, pinned: Type.Optional(Type.Boolean()) }',
    );
    const web = typeErrors('@app/web');
    // The create action sends { title, body }: the compiler wants `pinned` too (undefined to leave it
    // out); so do the client's unit tests that create notes.
    expect(at(web, 'web/src/routes/notes/+page.server.ts')).toEqual([
      'locals.session.gateway.createNote(token, values, locals.session.signal),',
    ]);
    expect(web.filter((error) => error.startsWith('web/src/')).length).toBe(1);
    expect(at(web, 'web/test/gateway.test.ts')).toHaveLength(2);
  });
});
