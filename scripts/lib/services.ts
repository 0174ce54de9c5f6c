// The platform's processes, read from services.json at the root of the repository: the one list that
// npm run dev, proto codegen, the tests, compose, the chart, the Tiltfile, skaffold and the service
// generator agree on.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** grpc: a nice-grpc microservice; http: the REST gateway; web: the SvelteKit app. */
export type ServiceKind = 'grpc' | 'http' | 'web';

export interface Service {
  /** Lowercase, dash-separated; also the image name, the chart key and the database name. */
  name: string;
  kind: ServiceKind;
  /** The port it listens on by default (and in every container). */
  port: number;
  /** Owns a Postgres database (named after the service) and has a `migrate` command. */
  database: boolean;
  /** The services it calls; grpc ones through `<NAME>_ADDR`, the gateway through `GATEWAY_URL`. */
  calls: string[];
}

export const root = resolve(import.meta.dirname, '../..');
export const servicesFile = resolve(root, 'services.json');

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const KINDS: readonly ServiceKind[] = ['grpc', 'http', 'web'];

export function loadServices(file = servicesFile): Service[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { services?: unknown };
  if (!Array.isArray(parsed.services)) throw new Error(`${file}: "services" must be a list`);
  const services = parsed.services as Service[];
  const names = new Set(services.map((s) => s.name));
  for (const s of services) {
    const where = `${file}: service ${JSON.stringify(s.name)}`;
    if (typeof s.name !== 'string' || !NAME.test(s.name)) throw new Error(`${where}: bad name`);
    if (!KINDS.includes(s.kind)) throw new Error(`${where}: kind must be one of ${KINDS.join(', ')}`);
    if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw new Error(`${where}: bad port`);
    if (typeof s.database !== 'boolean') throw new Error(`${where}: database must be true or false`);
    if (!Array.isArray(s.calls)) throw new Error(`${where}: calls must be a list`);
    for (const callee of s.calls)
      if (!names.has(callee)) throw new Error(`${where}: calls unknown service ${JSON.stringify(callee)}`);
  }
  if (names.size !== services.length) throw new Error(`${file}: a service name appears twice`);
  return services;
}

/** The workspace folder of a service, relative to the root. */
export function workspaceOf(service: Service): string {
  return service.kind === 'web' ? service.name : `services/${service.name}`;
}

/** The npm package name of a service's workspace. */
export function packageOf(service: Service): string {
  return `@app/${service.name}`;
}

/** The environment variable that carries a grpc service's address to its callers. */
export function addressVariable(service: Service): string {
  return `${service.name.toUpperCase().replaceAll('-', '_')}_ADDR`;
}

/** The env a service needs to reach what it calls, given where each one listens. */
export function upstreamEnv(
  service: Service,
  services: Service[],
  urlOf: (callee: Service) => { address: string; url: string },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of service.calls) {
    const callee = services.find((s) => s.name === name)!;
    if (callee.kind === 'grpc') env[addressVariable(callee)] = urlOf(callee).address;
    else env[`${callee.name.toUpperCase().replaceAll('-', '_')}_URL`] = urlOf(callee).url;
  }
  return env;
}
