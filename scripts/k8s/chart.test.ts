// The Helm chart (charts/app), offline: helm lint and helm template for every values file, every rendered
// object against strict Kubernetes schemas, and the policies the chart promises (security, probes,
// labels, network paths, migrations, external Postgres/Jaeger, values schema).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isMap, parse, parseDocument, type Scalar, type YAMLMap } from 'yaml';
import { addressVariable, loadServices, type Service } from '../lib/services.ts';
import {
  chartDir,
  helmArgs,
  kindOf,
  kubernetesValidator,
  RELEASE,
  render,
  type K8sObject,
  type Validator,
} from './render.ts';
import { helm } from './tools.ts';

const services = loadServices();
const VALUES_FILES = [[], ['values-kind.yaml'], ['values-production.yaml']];
const EXTERNAL_DB = ['postgres.enabled=false', 'externalDatabase.existingSecret="app-database"'];
const fullname = (component: string) => `${RELEASE}-${component}`; // release "app" contains the chart name

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name} in: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
};

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  [key: string]: any;
}
const WORKLOADS = ['Deployment', 'StatefulSet', 'Job'];
function podSpecOf(object: K8sObject) {
  return object.kind === 'Pod' ? object.spec : object.spec.template.spec;
}
function containersOf(object: K8sObject): Container[] {
  const spec = podSpecOf(object);
  return [...(spec.initContainers ?? []), ...spec.containers];
}
function envOf(container: Container): Map<string, NonNullable<Container['env']>[number]> {
  return new Map((container.env ?? []).map((e) => [e.name, e]));
}
const mainContainer = (objects: K8sObject[], service: string) =>
  named(objects, 'Deployment', fullname(service)).spec.template.spec.containers[0] as Container;

let validator: Validator;
const rendered = new Map<string, K8sObject[]>();
beforeAll(async () => {
  const started = Date.now();
  validator = await kubernetesValidator();
  console.log(
    validator.generatedMs === undefined
      ? `kubernetes schemas from the cache (${Date.now() - started} ms)`
      : `kubernetes schemas generated in ${validator.generatedMs} ms (cached for the next run)`,
  );
  for (const values of VALUES_FILES) rendered.set(values.join() || 'values.yaml', render({ values }));
}, 180_000);
const defaults = () => rendered.get('values.yaml')!;
const kind = () => rendered.get('values-kind.yaml')!;
const production = () => rendered.get('values-production.yaml')!;

describe.each(VALUES_FILES.map((values) => [values.join() || 'values.yaml', values] as const))(
  'with %s',
  (name, values) => {
    it('passes helm lint --strict', () => {
      expect(helm(['lint', '--strict', chartDir, ...helmArgs({ values })])).toMatch(/0 chart\(s\) failed/);
    });

    it('renders only objects that match the strict Kubernetes schema of their kind', () => {
      const problems = rendered
        .get(name)!
        .flatMap((o) => validator.errors(o).map((e) => `${kindOf(o)} ${o.metadata?.name}: ${e}`));
      expect(problems).toEqual([]);
    });

    it('gives every container probes where it serves, resources and the restricted security context', () => {
      const problems: string[] = [];
      for (const object of rendered.get(name)!.filter((o) => [...WORKLOADS, 'Pod'].includes(o.kind))) {
        const where = `${object.kind} ${object.metadata.name}`;
        const pod = podSpecOf(object);
        if (pod.automountServiceAccountToken !== false)
          problems.push(`${where}: automountServiceAccountToken`);
        if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot`);
        if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault')
          problems.push(`${where}: seccomp`);
        for (const c of containersOf(object)) {
          const at = `${where} container ${c.name}`;
          const sc = c.securityContext ?? {};
          if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation`);
          if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem`);
          if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') problems.push(`${at}: capabilities.drop`);
          if (sc.privileged) problems.push(`${at}: privileged`);
          if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) problems.push(`${at}: requests`);
          if (!c.resources?.limits?.memory) problems.push(`${at}: memory limit`);
        }
        if (object.kind === 'Deployment' || object.kind === 'StatefulSet') {
          for (const c of pod.containers as Container[])
            for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
              if (!c[probe]) problems.push(`${where} container ${c.name}: no ${probe}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('puts the standard labels on every object and pod', () => {
      const required = [
        'app.kubernetes.io/name',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/component',
        'app.kubernetes.io/version',
        'app.kubernetes.io/managed-by',
        'helm.sh/chart',
      ];
      const problems: string[] = [];
      for (const object of rendered.get(name)!) {
        const labelSets = [object.metadata.labels];
        if (WORKLOADS.includes(object.kind)) labelSets.push(object.spec.template.metadata?.labels);
        for (const labels of labelSets)
          for (const label of required)
            if (!labels?.[label]) problems.push(`${object.kind} ${object.metadata.name}: ${label}`);
      }
      expect(problems).toEqual([]);
    });

    it('deploys exactly the services of services.json, each from its own image', () => {
      const deployments = byKind(rendered.get(name)!, 'Deployment').filter(
        (d) => d.metadata.labels?.['app.kubernetes.io/component'] !== 'jaeger',
      );
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
        services.map((s) => fullname(s.name)).sort(),
      );
      for (const s of services)
        expect(mainContainer(rendered.get(name)!, s.name).image).toMatch(new RegExp(`(^|/)${s.name}:[^/]+$`));
    });
  },
);

describe('values.yaml', () => {
  it('comments every value (its own comment, or its small block’s)', () => {
    const missing: string[] = [];
    // A leaf is documented by a comment above it or at its line end; the leaves of a block made only of
    // leaves (e.g. `resources: {requests, limits}`) may share the comment above the block's key.
    const walk = (map: YAMLMap, path: string[], blockCommented: boolean) => {
      const leaves = map.items.every((pair) => !isMap(pair.value) || pair.value.flow);
      map.items.forEach((pair, i) => {
        const key = [...path, String((pair.key as Scalar).value)];
        const value = pair.value as (Scalar | YAMLMap) | null;
        const own = Boolean(
          (pair.key as Scalar).commentBefore ||
          value?.comment ||
          (i === 0 && map.commentBefore) ||
          (value && !isMap(value) && value.commentBefore),
        );
        if (isMap(value) && !value.flow) walk(value, key, own);
        else if (!own && !(blockCommented && leaves)) missing.push(key.join('.'));
      });
    };
    walk(parseDocument(readFileSync(join(chartDir, 'values.yaml'), 'utf8')).contents as YAMLMap, [], false);
    expect(missing).toEqual([]);
  });
});

describe('services map', () => {
  it('has one entry per service of services.json, with the same kind, port, database and calls', () => {
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
      services: Record<string, Omit<Service, 'name'>>;
    };
    const fromChart = Object.entries(values.services)
      .map(([name, s]) => ({ name, kind: s.kind, port: s.port, database: s.database, calls: s.calls }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const fromList = services
      .map(({ name, kind, port, database, calls }) => ({ name, kind, port, database, calls }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(fromChart).toEqual(fromList);
  });

  it('renders the images of values-kind.yaml from the local registry', () => {
    const images = byKind(kind(), 'Deployment')
      .flatMap((d) => (d.spec.template.spec.containers as Container[]).map((c) => c.image))
      .filter((image) => image.startsWith('localhost:5001/'));
    expect(images.sort()).toEqual(services.map((s) => `localhost:5001/${s.name}:dev`).sort());
  });
});

describe('probes', () => {
  it('checks gRPC services with the gRPC health protocol, the gateway on /healthz and /readyz, web on /healthz', () => {
    for (const s of services) {
      const c = mainContainer(defaults(), s.name);
      if (s.kind === 'grpc') {
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
          expect(c[probe].grpc, `${s.name} ${probe}`).toEqual({ port: s.port });
      } else if (s.kind === 'http') {
        expect(c.livenessProbe.httpGet.path).toBe('/healthz');
        expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      } else {
        expect(c.livenessProbe.httpGet.path).toBe('/healthz');
        expect(c.readinessProbe.httpGet.path).toBe('/healthz');
      }
      expect(c.ports[0].containerPort).toBe(s.port);
    }
  });

  it('drains before stopping: a preStop pause that fits in the grace period with the 15 s shutdown', () => {
    for (const s of services) {
      const pod = named(defaults(), 'Deployment', fullname(s.name)).spec.template.spec;
      const pause = pod.containers[0].lifecycle.preStop.sleep.seconds as number;
      expect(pause).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + 15);
    }
  });

  it('gives users a memory limit that holds its bounded scrypt concurrency (128 MiB a hash)', () => {
    const c = mainContainer(defaults(), 'users');
    const threads = Number(envOf(c).get('UV_THREADPOOL_SIZE')?.value);
    expect(threads).toBeGreaterThan(0);
    const mebibytes = (q: string) => Number(q.replace(/Mi$/, '')) * (q.endsWith('Gi') ? 1024 : 1);
    // 190 MiB: its peak RSS with tracing and no hash in flight (npm run bench); 128 MiB per hash in flight.
    expect(mebibytes(c.resources.limits.memory)).toBeGreaterThanOrEqual(190 + 128 * threads);
  });
});

describe('service addresses (headless Services, dns:///)', () => {
  it('puts a headless Service beside each gRPC service and points its callers at dns:///<headless>:<port>', () => {
    for (const s of services.filter((x) => x.kind === 'grpc')) {
      const headless = named(defaults(), 'Service', `${fullname(s.name)}-headless`);
      expect(headless.spec.clusterIP).toBe('None');
      expect(headless.spec.selector).toEqual(named(defaults(), 'Service', fullname(s.name)).spec.selector);
      for (const caller of services.filter((x) => x.calls.includes(s.name))) {
        expect(envOf(mainContainer(defaults(), caller.name)).get(addressVariable(s))?.value).toBe(
          `dns:///${fullname(s.name)}-headless:${s.port}`,
        );
      }
    }
  });

  it('gives gRPC servers a maximum connection age so clients re-resolve and reach new pods', () => {
    for (const s of services.filter((x) => x.kind === 'grpc')) {
      const env = envOf(mainContainer(defaults(), s.name));
      expect(Number(env.get('GRPC_MAX_CONNECTION_AGE_MS')?.value)).toBeGreaterThanOrEqual(1000);
      expect(Number(env.get('GRPC_MAX_CONNECTION_AGE_GRACE_MS')?.value)).toBeGreaterThanOrEqual(0);
    }
  });

  it('points web at the gateway Service', () => {
    const web = services.find((s) => s.kind === 'web')!;
    const gateway = services.find((s) => s.kind === 'http')!;
    expect(envOf(mainContainer(defaults(), web.name)).get('GATEWAY_URL')?.value).toBe(
      `http://${fullname(gateway.name)}:${gateway.port}`,
    );
  });
});

describe('network policies', () => {
  // Who may connect to what, read back from the rendered policies: "target:port <- source".
  function paths(objects: K8sObject[]): string[] {
    const result: string[] = [];
    for (const policy of byKind(objects, 'NetworkPolicy')) {
      const target = policy.spec.podSelector.matchLabels['app.kubernetes.io/component'];
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      for (const rule of policy.spec.ingress ?? []) {
        for (const port of rule.ports) {
          for (const peer of rule.from ?? [{}]) {
            let source = 'anything';
            if (peer.namespaceSelector)
              source = `namespace ${JSON.stringify(peer.namespaceSelector.matchLabels)}`;
            else if (peer.podSelector) {
              expect(peer.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/instance': RELEASE });
              const components = peer.podSelector.matchExpressions?.[0]?.values as string[] | undefined;
              if (!components) source = 'release';
              for (const c of components ?? []) result.push(`${target}:${port.port} <- ${c}`);
              if (components) continue;
            }
            result.push(`${target}:${port.port} <- ${source}`);
          }
        }
      }
    }
    return result.sort();
  }
  const ingressNamespace = 'namespace {"kubernetes.io/metadata.name":"ingress-nginx"}';
  function expected({ ingress, postgres }: { ingress: boolean; postgres: boolean }): string[] {
    const result = ['jaeger:4317 <- release', 'jaeger:4318 <- release'];
    for (const s of services) {
      for (const caller of services.filter((c) => c.calls.includes(s.name)))
        result.push(`${s.name}:${s.port} <- ${caller.name}`);
      if (s.kind === 'http') result.push(`${s.name}:${s.port} <- test`);
      if (ingress && s.kind !== 'grpc') result.push(`${s.name}:${s.port} <- ${ingressNamespace}`);
      if (postgres && s.database)
        result.push(`postgres:5432 <- ${s.name}`, `postgres:5432 <- ${s.name}-migrate`);
    }
    return result.sort();
  }

  it('lets each service be reached only by its callers, Postgres by the services with a database, Jaeger OTLP by the release', () => {
    expect(paths(defaults())).toEqual(expected({ ingress: false, postgres: true }));
    // Every service has a policy, so nothing is open by default.
    expect(byKind(defaults(), 'NetworkPolicy').length).toBe(services.length + 2);
  });

  it('opens web and the gateway (only) to the ingress controller when the Ingress is on', () => {
    expect(paths(production())).toEqual(expected({ ingress: true, postgres: false }));
  });
});

describe('Postgres', () => {
  it('runs in the release by default: StatefulSet with a volume, credentials kept, a database per service', () => {
    const sts = named(defaults(), 'StatefulSet', fullname('postgres'));
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBeTruthy();
    const secret = named(defaults(), 'Secret', fullname('postgres'));
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(Buffer.from((secret.data as { password: string }).password, 'base64').toString()).toMatch(
      /^[A-Za-z0-9]{32}$/,
    );
    const init = named(defaults(), 'ConfigMap', `${fullname('postgres')}-init`).data as Record<
      string,
      string
    >;
    for (const s of services.filter((x) => x.database))
      expect(init['databases.sql']).toContain(`CREATE DATABASE "${s.name}";`);
    const templates = readFileSync(join(chartDir, 'templates/postgres.yaml'), 'utf8');
    expect(templates).toMatch(/lookup "v1" "Secret"/);
  });

  it('wires DATABASE_URL to the chart Postgres and migrates in an init container before serving', () => {
    for (const s of services.filter((x) => x.database)) {
      const pod = named(defaults(), 'Deployment', fullname(s.name)).spec.template.spec;
      const migrate = (pod.initContainers as Container[]).find((c) => c.name === 'migrate')!;
      expect(migrate.args).toEqual(['migrate']);
      expect(migrate.image).toBe(pod.containers[0].image);
      expect(envOf(pod.containers[0]).get('DATABASE_URL')?.value).toBe(
        `postgres://app:$(POSTGRES_PASSWORD)@${fullname('postgres')}:5432/${s.name}`,
      );
    }
    expect(byKind(defaults(), 'Job')).toEqual([]);
  });

  it('turned off: no Postgres objects; each service reads DATABASE_URL from the named Secret; hook Jobs migrate', () => {
    const objects = render({ set: EXTERNAL_DB });
    expect(objects.filter((o) => o.metadata.name.startsWith(fullname('postgres')))).toEqual([]);
    expect(byKind(objects, 'StatefulSet')).toEqual([]);
    const jobs = byKind(objects, 'Job');
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(
      services
        .filter((s) => s.database)
        .map((s) => fullname(`${s.name}-migrate`))
        .sort(),
    );
    for (const s of services.filter((x) => x.database)) {
      const job = named(objects, 'Job', fullname(`${s.name}-migrate`));
      expect(job.metadata.annotations).toMatchObject({
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation',
      });
      expect(job.metadata.annotations?.['helm.sh/hook-weight']).toBeDefined();
      expect(job.spec.backoffLimit).toBeGreaterThan(0);
      const [container] = job.spec.template.spec.containers as Container[];
      expect(container!.args).toEqual(['migrate']);
      const pod = named(objects, 'Deployment', fullname(s.name)).spec.template.spec;
      expect(pod.initContainers).toBeUndefined();
      for (const c of [container!, pod.containers[0] as Container])
        expect(envOf(c).get('DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
          name: 'app-database',
          key: s.name,
        });
    }
  });

  it('turned off without a Secret for the URLs: rendering fails naming the value', () => {
    expect(() => render({ set: ['postgres.enabled=false'] })).toThrow(
      /externalDatabase.existingSecret is required/,
    );
  });

  it('never starts serving pods with MIGRATE_ON_START', () => {
    for (const objects of [defaults(), production()])
      for (const s of services)
        expect(envOf(mainContainer(objects, s.name)).has('MIGRATE_ON_START')).toBe(false);
  });
});

describe('Jaeger and telemetry', () => {
  it('gives every process OTEL_SERVICE_NAME, service.version and the in-release Jaeger endpoint', () => {
    for (const s of services) {
      const env = envOf(mainContainer(defaults(), s.name));
      expect(env.get('OTEL_SERVICE_NAME')?.value).toBe(s.name);
      expect(env.get('OTEL_RESOURCE_ATTRIBUTES')?.value).toMatch(/(^|,)service\.version=0\.1\.0(,|$)/);
      expect(env.get('OTEL_EXPORTER_OTLP_ENDPOINT')?.value).toBe(`http://${fullname('jaeger')}:4318`);
    }
    expect(
      named(defaults(), 'Deployment', fullname('jaeger')).spec.template.spec.containers[0].image,
    ).toMatch(/jaegertracing\/jaeger:2\./);
  });

  it('turned off: no Jaeger objects; the external endpoint (or none) is wired', () => {
    const external = render({
      set: ['jaeger.enabled=false', 'externalOtlp.endpoint="http://collector.obs:4318"'],
    });
    expect(external.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'jaeger')).toEqual(
      [],
    );
    for (const s of services)
      expect(envOf(mainContainer(external, s.name)).get('OTEL_EXPORTER_OTLP_ENDPOINT')?.value).toBe(
        'http://collector.obs:4318',
      );
    const none = render({ set: ['jaeger.enabled=false'] });
    for (const s of services)
      expect(envOf(mainContainer(none, s.name)).has('OTEL_EXPORTER_OTLP_ENDPOINT')).toBe(false);
  });
});

describe('secrets', () => {
  it('keeps the JWT key out of values.yaml: a generated Secret, kept across upgrades', () => {
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { jwt: { secret: string } };
    expect(values.jwt.secret).toBe('');
    const secret = named(defaults(), 'Secret', fullname('jwt'));
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(Buffer.from((secret.data as Record<string, string>)['jwt-secret']!, 'base64').length).toBe(64);
    const gateway = services.find((s) => s.kind === 'http')!;
    expect(envOf(mainContainer(defaults(), gateway.name)).get('JWT_SECRET')?.valueFrom?.secretKeyRef).toEqual(
      {
        name: fullname('jwt'),
        key: 'jwt-secret',
      },
    );
  });

  it('uses an existing Secret when named, and creates none', () => {
    const objects = render({ set: ['jwt.existingSecret="my-jwt"', 'jwt.existingSecretKey="key"'] });
    expect(objects.find((o) => o.metadata.name === fullname('jwt'))).toBeUndefined();
    const gateway = services.find((s) => s.kind === 'http')!;
    expect(envOf(mainContainer(objects, gateway.name)).get('JWT_SECRET')?.valueFrom?.secretKeyRef).toEqual({
      name: 'my-jwt',
      key: 'key',
    });
  });
});

describe('ingress', () => {
  it('routes / to web and /api and /docs to the gateway, with TLS, and sets the gateway TRUST_PROXY', () => {
    const [ingress] = byKind(production(), 'Ingress');
    const web = services.find((s) => s.kind === 'web')!;
    const gateway = services.find((s) => s.kind === 'http')!;
    const routes = Object.fromEntries(
      (ingress!.spec.rules[0].http.paths as { path: string; backend: { service: { name: string } } }[]).map(
        (p) => [p.path, p.backend.service.name],
      ),
    );
    expect(routes).toEqual({
      '/': fullname(web.name),
      '/api': fullname(gateway.name),
      '/docs': fullname(gateway.name),
    });
    expect(ingress!.spec.tls[0].secretName).toBe('app-tls');
    expect(ingress!.spec.ingressClassName).toBe('nginx');
    expect(envOf(mainContainer(production(), gateway.name)).get('TRUST_PROXY')?.value).toBeTruthy();
    expect(envOf(mainContainer(production(), web.name)).get('ORIGIN')?.value).toBe('https://app.example.com');
    expect(envOf(mainContainer(defaults(), gateway.name)).has('TRUST_PROXY')).toBe(false);
  });
});

describe('production values', () => {
  it('runs 2+ replicas of every service with an HPA and a PDB', () => {
    for (const s of services) {
      const hpa = named(production(), 'HorizontalPodAutoscaler', fullname(s.name));
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.scaleTargetRef.name).toBe(fullname(s.name));
      expect(
        named(production(), 'PodDisruptionBudget', fullname(s.name)).spec.minAvailable,
      ).toBeGreaterThanOrEqual(1);
      expect(named(production(), 'Deployment', fullname(s.name)).spec.replicas).toBeUndefined();
    }
  });
});

describe('helm test', () => {
  it('has a test pod that requires 200 from the gateway /readyz', () => {
    const [pod] = byKind(defaults(), 'Pod');
    const gateway = services.find((s) => s.kind === 'http')!;
    expect(pod!.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod!.spec.containers[0].command.join(' ')).toContain(
      `http://${fullname(gateway.name)}:${gateway.port}/readyz`,
    );
    expect(pod!.spec.containers[0].command.join(' ')).toContain('r.status === 200');
  });
});

describe('extra configuration', () => {
  it('passes a service env and envFrom (ConfigMap and Secret refs) through, and rejects a bad ref', () => {
    const objects = render({
      set: [
        'services.notes.env={"FEATURE_X":"on"}',
        'services.notes.envFrom=[{"secretRef":{"name":"notes-extra"}}]',
      ],
    });
    const c = mainContainer(objects, 'notes');
    expect(envOf(c).get('FEATURE_X')?.value).toBe('on');
    expect(c.envFrom).toEqual([{ secretRef: { name: 'notes-extra' } }]);
    expect(validator.errors(named(objects, 'Deployment', fullname('notes')))).toEqual([]);
    expect(() => render({ set: ['services.notes.envFrom=[{"secretRefs":{"name":"x"}}]'] })).toThrow(
      /secretRefs/,
    );
  });
});

describe('devMode (Tilt, skaffold dev)', () => {
  it('makes only the service containers writable and drops their liveness probe; off by default', () => {
    const dev = render({ values: ['values-kind.yaml'], set: ['devMode=true', 'tests.enabled=false'] });
    for (const s of services) {
      const c = mainContainer(dev, s.name);
      expect(c.securityContext.readOnlyRootFilesystem).toBe(false);
      expect(c.livenessProbe).toBeUndefined();
      expect(c.readinessProbe).toBeDefined();
      expect(mainContainer(kind(), s.name).securityContext.readOnlyRootFilesystem).toBe(true);
    }
    for (const name of ['postgres', 'jaeger']) {
      const workload = dev.find((o) => o.metadata.name === fullname(name) && WORKLOADS.includes(o.kind))!;
      expect(workload.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    }
    expect(byKind(dev, 'Pod')).toEqual([]);
  });

  it('runs the dev processes as in development, migrating at start (the dev image has no built migrate)', () => {
    const dev = render({ values: ['values-kind.yaml'], set: ['devMode=true'] });
    for (const s of services) {
      const env = envOf(mainContainer(dev, s.name));
      expect(env.has('NODE_ENV')).toBe(false);
      expect(env.get('MIGRATE_ON_START')?.value).toBe(s.database ? 'true' : undefined);
      const pod = named(dev, 'Deployment', fullname(s.name)).spec.template.spec;
      expect(((pod.initContainers ?? []) as Container[]).map((c) => c.name)).toEqual(
        s.database ? ['database'] : [],
      );
      expect(envOf(mainContainer(kind(), s.name)).get('NODE_ENV')?.value).toBe('production');
    }
    expect(byKind(render({ set: [...EXTERNAL_DB, 'devMode=true'] }), 'Job')).toEqual([]);
  });
});

describe('NOTES.txt', () => {
  const notes = (values: string[]) =>
    helm(['install', RELEASE, chartDir, '--dry-run=client', '-n', 'apps', ...helmArgs({ values })]).split(
      'NOTES:',
    )[1]!;

  it('says how to reach the app, the API docs and Jaeger', () => {
    const text = notes([]);
    expect(text).toContain('kubectl -n apps port-forward svc/app-web 3000:3000');
    expect(text).toContain('kubectl -n apps port-forward svc/app-jaeger 16686:16686');
    expect(text).toContain('helm test app -n apps');
    expect(notes(['values-production.yaml'])).toContain('https://app.example.com/');
  });
});

describe('values.schema.json', () => {
  it.each([
    ['an unknown top-level key', 'replicaCount=2', /additional properties 'replicaCount' not allowed/],
    [
      'a nested typo',
      'services.users.image.pullPolice="Always"',
      /additional properties 'pullPolice' not allowed/,
    ],
    ['a deeper typo', 'postgres.storage.sizee="1Gi"', /additional properties 'sizee' not allowed/],
    [
      'a typo in resources',
      'services.web.resources.limits.memroy="1Gi"',
      /additional properties 'memroy' not allowed/,
    ],
    ['a wrong type', 'services.notes.port="fifty"', /services\/notes\/port/],
    ['a bad enum', 'image.pullPolicy="Sometimes"', /pullPolicy/],
    ['a short JWT key', 'jwt.secret="short"', /jwt\/secret/],
  ])('rejects %s', (_what, entry, message) => {
    expect(() => render({ set: [entry] })).toThrow(message);
  });

  it('accepts a new service entry of the same shape', () => {
    const entry = {
      kind: 'grpc',
      port: 50053,
      database: true,
      calls: [],
      image: { repository: 'billing', tag: '', pullPolicy: '' },
      replicas: 1,
      env: {},
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      autoscaling: { enabled: false, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 75 },
      podDisruptionBudget: { enabled: false, minAvailable: 1 },
    };
    const objects = render({ set: [`services.billing=${JSON.stringify(entry)}`] });
    expect(named(objects, 'Deployment', fullname('billing'))).toBeTruthy();
    expect(named(objects, 'Service', `${fullname('billing')}-headless`)).toBeTruthy();
    expect(validator.errors(named(objects, 'Deployment', fullname('billing')))).toEqual([]);
  });
});

describe('the schema validator itself', () => {
  it('rejects a misspelt field deep inside a rendered object', () => {
    const deployment = structuredClone(mainDeployment());
    deployment.spec.template.spec.containers[0].imagePullPolice = 'Always';
    expect(validator.errors(deployment).join('\n')).toMatch(/imagePullPolice/);
    const service = structuredClone(named(defaults(), 'Service', fullname('users')));
    service.spec.ports[0].prot = 1;
    expect(validator.errors(service).join('\n')).toMatch(/prot/);
    expect(validator.errors({ apiVersion: 'v1', kind: 'Nonsense' }).join()).toMatch(/no schema/);
  });
  const mainDeployment = () => named(defaults(), 'Deployment', fullname(services[0]!.name));
});
