// docker-compose.yml: valid (`docker compose config` where Docker is installed, else the Compose
// Specification schema vendored in scripts/schemas), and in agreement with services.json, the root
// workspaces and the Dockerfile: every service built from the one Dockerfile with its SERVICE_NAME,
// its migrate one-shot first, its callers pointed at its port, only web, gateway and Jaeger published.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadServices, root, upstreamEnv, workspaceOf, type Service } from '../lib/services.ts';

interface ComposeService {
  image?: string;
  build?: { context?: string; target?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  develop?: { watch?: { action: string; path: string; target?: string }[] };
}
interface Compose {
  services: Record<string, ComposeService>;
}

const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = () => parseDocument(composeText, { merge: true }).toJS() as Compose;
const services = loadServices();
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

function schemaValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(
    createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-07.json'),
    'https://json-schema.org/draft-07/schema',
  );
  return ajv.compile(JSON.parse(readFileSync(join(root, 'scripts/schemas/compose-spec.json'), 'utf8')));
}

/** What in `file` disagrees with services.json; empty when all agrees. */
function disagreements(file: Compose, list: Service[]): string[] {
  const problems: string[] = [];
  const byName = new Map(list.map((s) => [s.name, s]));
  const app = Object.entries(file.services).filter(([, s]) => s.build);
  for (const service of list) {
    const entry = file.services[service.name];
    if (!entry) {
      problems.push(`${service.name}: missing from docker-compose.yml`);
      continue;
    }
    if (entry.build?.context !== '.' || entry.build.args?.SERVICE_NAME !== service.name)
      problems.push(`${service.name}: not built from the Dockerfile with SERVICE_NAME=${service.name}`);
    if (entry.image !== `app/${service.name}`)
      problems.push(`${service.name}: image is not app/${service.name}`);
    if (!entry.healthcheck?.test) problems.push(`${service.name}: no health check`);
    if (entry.environment?.OTEL_EXPORTER_OTLP_ENDPOINT !== 'http://jaeger:4318')
      problems.push(`${service.name}: does not export traces to the compose Jaeger`);
    const expected = upstreamEnv(service, list, (callee) => ({
      address: `${callee.name}:${callee.port}`,
      url: `http://${callee.name}:${callee.port}`,
    }));
    for (const [variable, value] of Object.entries(expected))
      if (entry.environment?.[variable] !== value)
        problems.push(`${service.name}: ${variable} should be ${value}, is ${entry.environment?.[variable]}`);
    for (const callee of service.calls)
      if (!entry.depends_on?.[callee]) problems.push(`${service.name}: does not wait for ${callee}`);
    const published = entry.ports ?? [];
    const shouldPublish = service.kind !== 'grpc';
    if (shouldPublish && JSON.stringify(published) !== JSON.stringify([`${service.port}:${service.port}`]))
      problems.push(`${service.name}: should publish ${service.port}:${service.port}`);
    if (!shouldPublish && published.length) problems.push(`${service.name}: a gRPC service is published`);
    if (
      !entry.develop?.watch?.some(
        (w) => w.action === 'sync' && w.target === `/app/${workspaceOf(service)}/src`,
      )
    )
      problems.push(`${service.name}: develop.watch does not sync ${workspaceOf(service)}/src`);
    if (service.database) {
      if (!entry.environment?.DATABASE_URL?.endsWith(`@postgres:5432/${service.name}`))
        problems.push(`${service.name}: DATABASE_URL is not its own database on the compose Postgres`);
      const migrate = file.services[`${service.name}-migrate`];
      if (!migrate || migrate.command?.join(' ') !== 'migrate' || migrate.image !== entry.image)
        problems.push(`${service.name}: no ${service.name}-migrate one-shot running \`migrate\``);
      else if (migrate.depends_on?.postgres?.condition !== 'service_healthy')
        problems.push(`${service.name}-migrate: does not wait for a healthy Postgres`);
      if (entry.depends_on?.[`${service.name}-migrate`]?.condition !== 'service_completed_successfully')
        problems.push(`${service.name}: does not wait for its migration to complete`);
    }
  }
  for (const [name] of app)
    if (!byName.has(name) && !byName.get(name.replace(/-migrate$/, ''))?.database)
      problems.push(`${name}: built from the Dockerfile but not in services.json`);
  const databases = list.filter((s) => s.database).map((s) => s.name);
  if (file.services.postgres?.environment?.APP_DATABASES !== databases.join(' '))
    problems.push(`postgres: APP_DATABASES should be "${databases.join(' ')}"`);
  for (const [name, entry] of Object.entries(file.services)) {
    if (name.endsWith('-migrate')) continue;
    if (!entry.healthcheck?.test && !byName.has(name)) problems.push(`${name}: no health check`);
    if (!byName.has(name) && name !== 'jaeger' && entry.ports?.length) problems.push(`${name}: published`);
  }
  return problems;
}

describe('docker-compose.yml', () => {
  it('is a valid Compose file', () => {
    const docker = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
    if (docker) {
      execFileSync('docker', ['compose', 'config', '-q'], {
        cwd: root,
        env: { ...process.env, JWT_SECRET: 'x'.repeat(32), POSTGRES_PASSWORD: 'x' },
      });
      return;
    }
    const validate = schemaValidator();
    expect(validate(compose()), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the schema check rejects a misspelt key (so it can fail)', () => {
    const broken = compose();
    (broken.services.gateway as Record<string, unknown>).healthchek = broken.services.gateway!.healthcheck;
    expect(schemaValidator()(broken)).toBe(false);
  });

  it('agrees with services.json', () => {
    expect(disagreements(compose(), services)).toEqual([]);
  });

  it('would not agree if a service were missing, or its port moved', () => {
    const file = compose();
    delete file.services.notes;
    expect(disagreements(file, services)).toContain('notes: missing from docker-compose.yml');
    const moved = services.map((s) => (s.name === 'users' ? { ...s, port: s.port + 1 } : s));
    expect(disagreements(compose(), moved).join('\n')).toContain('USERS_ADDR should be users:');
  });

  it('needs the secrets from .env: no secret committed, a clear message when JWT_SECRET is unset', () => {
    expect(composeText).toMatch(/JWT_SECRET: \$\{JWT_SECRET:\?JWT_SECRET is not set/);
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    expect(example).toMatch(/^JWT_SECRET=$/m);
  });
});

describe('the Dockerfile', () => {
  it('copies the manifest of every workspace, and only those, into the dependency stage', () => {
    const copied = [...dockerfile.matchAll(/^COPY (\S+)\/package\.json \1\/$/gm)].map((m) => m[1]);
    expect(copied).toEqual(workspaces);
  });

  it('builds every service of services.json by its SERVICE_NAME, with its port and commands', () => {
    expect(dockerfile).toMatch(/^ARG SERVICE_NAME$/m);
    const out = mkdtempSync(join(tmpdir(), 'manifests-'));
    try {
      for (const service of services) {
        expect(workspaces).toContain(workspaceOf(service));
        execFileSync(process.execPath, ['docker/manifests.ts', root, join(out, service.name), service.name], {
          cwd: root,
          stdio: 'pipe',
        });
        const env = readFileSync(join(out, service.name, 'image.env'), 'utf8');
        expect(env).toContain(`SERVICE_PORT=${service.port}\n`);
        expect(env).toContain(
          `MIGRATE=${service.database ? `${workspaceOf(service)}/dist/src/migrate.js` : ''}\n`,
        );
        const runtime = JSON.parse(readFileSync(join(out, service.name, 'runtime/package.json'), 'utf8')) as {
          workspaces: string[];
        };
        expect(runtime.workspaces).toContain(workspaceOf(service));
        expect(runtime.workspaces).not.toContain('services/devkit');
      }
      const unknown = spawnSync(process.execPath, ['docker/manifests.ts', root, join(out, 'x'), 'nope'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('SERVICE_NAME=nope is not in services.json');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
