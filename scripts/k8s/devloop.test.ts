// The local Kubernetes loop, offline: the Tiltfile (buildifier, then executed against Tilt's builtins by
// tools/tiltfile-check), skaffold.yaml (against the vendored v4beta14 schema), the kind config, and one
// list of services across services.json, the Tiltfile, skaffold, the chart, compose and npm run dev.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadServices, root, workspaceOf } from '../lib/services.ts';
import { CLUSTER, CONTEXT, kindConfigFile, missingTools, REGISTRY } from './cluster.ts';
import { kubernetesValidator, render } from './render.ts';

const services = loadServices();
const names = services.map((s) => s.name).sort();
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The image name without registry and tag: localhost:5001/users:dev → users. */
const imageName = (image: string) =>
  image
    .replace(/[:@][^/]*$/, '')
    .split('/')
    .at(-1)!;

interface TiltCall {
  fn: string;
  pos: string;
  args: Record<string, any>;
}
interface TiltCheck {
  ok: boolean;
  counts: Record<string, number>;
  calls: TiltCall[];
  problems: { pos: string; message: string }[];
}

describe('Tiltfile', () => {
  it('is valid Starlark, formatted by buildifier', () => {
    const require = createRequire(join(root, 'package.json'));
    const buildifier = require.resolve('@bazel/buildifier/buildifier.js');
    const result = spawnSync(process.execPath, [buildifier, '-type=default', '-mode=check', 'Tiltfile'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.stderr + result.stdout, 'run: npx buildifier -type=default Tiltfile').toBe('');
    expect(result.status).toBe(0);
  });

  describe('executed against Tilt’s builtins (tools/tiltfile-check)', () => {
    let check: TiltCheck;
    beforeAll(() => {
      const result = spawnSync(join(root, 'tools/tiltfile-check/run'), ['--json', 'Tiltfile'], {
        cwd: root,
        encoding: 'utf8',
      });
      if (!result.stdout) throw new Error(`tiltfile-check failed to run: ${result.stderr}`);
      check = JSON.parse(result.stdout) as TiltCheck;
    }, 300_000);
    const calls = (fn: string) => check.calls.filter((c) => c.fn === fn);

    it('runs with no problem', () => {
      expect(check.problems).toEqual([]);
      expect(check.ok).toBe(true);
    });

    it('is a checker that fails on broken Tiltfiles (its selftest)', () => {
      const result = spawnSync(join(root, 'tools/tiltfile-check/selftest'), { encoding: 'utf8' });
      expect(result.stdout).toMatch(/^\d+ passed, 0 failed$/m);
      expect(result.status).toBe(0);
    });

    it('allows only the kind cluster and pins the Tilt version', () => {
      expect(calls('allow_k8s_contexts').map((c) => c.args.contexts)).toEqual([CONTEXT]);
      expect(calls('version_settings')[0]?.args.constraint).toMatch(/^>=0\./);
    });

    it('builds one image per service from the shared Dockerfile’s dev target, with live_update', () => {
      const builds = calls('docker_build');
      expect(builds.map((b) => b.args.ref).sort()).toEqual(names);
      for (const s of services) {
        const build = builds.find((b) => b.args.ref === s.name)!;
        expect(build.args).toMatchObject({
          context: '.',
          dockerfile: 'Dockerfile',
          target: 'dev',
          build_args: { SERVICE_NAME: s.name },
        });
        const steps = build.args.live_update as Record<string, any>[];
        expect(steps[0]).toMatchObject({ step: 'fall_back_on' });
        const syncs = steps.filter((x) => x.step === 'sync');
        expect(syncs).toContainEqual({
          step: 'sync',
          local_path: `${workspaceOf(s)}/src`,
          remote_path: `/app/${workspaceOf(s)}/src`,
        });
        expect(syncs).toContainEqual({
          step: 'sync',
          local_path: 'package-lock.json',
          remote_path: '/app/package-lock.json',
        });
        // Only the lockfile reinstalls; a package.json edit is synced, not a reinstall or a rebuild.
        const runs = steps.filter((x) => x.step === 'run');
        expect(runs.map((r) => r.trigger)).toEqual([['package-lock.json']]);
        expect(steps.find((x) => x.step === 'fall_back_on')!.paths).not.toContain('package.json');
      }
    });

    it('deploys the chart with values-kind.yaml in devMode', () => {
      const [helm] = calls('helm');
      expect(helm!.args.paths).toBe('charts/app');
      expect(helm!.args.values).toEqual(['charts/app/values-kind.yaml']);
      expect(helm!.args.set).toContain('devMode=true');
      expect(calls('k8s_yaml')).toHaveLength(1);
    });

    it('has a labelled resource per workload, waiting for Postgres, its callees and Jaeger', () => {
      const resources = new Map(calls('k8s_resource').map((c) => [c.args.new_name as string, c.args]));
      expect([...resources.keys()].sort()).toEqual([...names, 'jaeger', 'postgres'].sort());
      for (const s of services) {
        const r = resources.get(s.name)!;
        expect(r.workload).toBe(`app-${s.name}`);
        expect(r.labels).toEqual([s.kind === 'web' ? 'frontend' : 'backend']);
        expect(r.resource_deps).toEqual([...(s.database ? ['postgres'] : []), ...s.calls, 'jaeger']);
        if (s.kind !== 'grpc') expect(r.port_forwards).toEqual([`${s.port}:${s.port}`]);
        if (s.kind !== 'grpc') expect(r.links).toHaveLength(1);
      }
      expect(resources.get('postgres')!.labels).toEqual(['infra']);
      expect(JSON.stringify(resources.get('jaeger')!.port_forwards)).toContain('16686');
    });

    it('regenerates protos on change and runs the tests on demand', () => {
      const local = new Map(calls('local_resource').map((c) => [c.args.name as string, c.args]));
      expect(local.get('proto')).toMatchObject({ cmd: 'npm run proto', deps: ['proto'] });
      expect(local.get('tests')?.cmd).toBe('npm test');
      expect(String(local.get('tests')?.trigger_mode)).toMatch(/MANUAL/);
    });
  });
});

describe('the shared Dockerfile', () => {
  it('has the dev target that Tilt and skaffold build, working in /app', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM\s+\S+\s+AS\s+dev\s*$/im);
    expect(dockerfile).toMatch(/^ARG\s+SERVICE_NAME\b/m);
    expect(dockerfile).toMatch(/^WORKDIR\s+\/app\s*$/m);
  });
});

describe('skaffold.yaml', () => {
  const config = parse(read('skaffold.yaml'));

  it('validates against the skaffold/v4beta14 schema', () => {
    const schema = JSON.parse(read('scripts/k8s/schemas/skaffold-v4beta14.json')) as object;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const errors = new Set<string>();
    for (const doc of parseAllDocuments(read('skaffold.yaml'))) {
      doc.errors.forEach((e) => errors.add(e.message));
      if (!validate(doc.toJS()))
        validate.errors!.forEach((e) =>
          errors.add(`${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`),
        );
    }
    expect([...errors]).toEqual([]);
    expect(config.apiVersion).toBe('skaffold/v4beta14');
  });

  it('and the validation would catch a typo', () => {
    const validate = new Ajv({ strict: false }).compile(
      JSON.parse(read('scripts/k8s/schemas/skaffold-v4beta14.json')) as object,
    );
    const broken = structuredClone(config);
    broken.build.artifacts[0].docker.buildArg = broken.build.artifacts[0].docker.buildArgs;
    expect(validate(broken)).toBe(false);
  });

  it('builds one artifact per service from the shared Dockerfile, syncing its sources into the dev target', () => {
    const artifacts = config.build.artifacts as any[];
    expect(artifacts.map((a) => a.image).sort()).toEqual(names);
    for (const s of services) {
      const a = artifacts.find((x) => x.image === s.name);
      expect(a.docker).toEqual({
        dockerfile: 'Dockerfile',
        target: 'dev',
        buildArgs: { SERVICE_NAME: s.name },
      });
      expect(a.sync.manual).toContainEqual({ src: `${workspaceOf(s)}/src/**`, dest: '/app' });
    }
  });

  it('deploys the chart with each built image, and has the kind and cluster profiles', () => {
    const [release] = config.deploy.helm.releases;
    expect(release.chartPath).toBe('charts/app');
    expect(release.valuesFiles).toEqual(['charts/app/values-kind.yaml']);
    for (const s of services) {
      expect(release.setValueTemplates[`services.${s.name}.image.repository`]).toBe(
        `{{.IMAGE_REPO_${s.name}}}`,
      );
      expect(release.setValueTemplates[`services.${s.name}.image.tag`]).toBe(`{{.IMAGE_TAG_${s.name}}}`);
    }
    expect(release.setValues.devMode).toBe(true);
    const profiles = new Map((config.profiles as { name: string }[]).map((p) => [p.name, p as any]));
    expect(profiles.get('kind').activation).toEqual([{ kubeContext: CONTEXT }]);
    const cluster = profiles.get('cluster');
    const patches = JSON.stringify(cluster.patches);
    expect(patches).toContain('charts/app/values-production.yaml');
    config.build.artifacts.forEach((_: unknown, i: number) =>
      expect(
        patches,
        `skaffold.yaml: the cluster profile needs "- { op: remove, path: /build/artifacts/${i}/docker/target }" (artifact ${i} must build the production image there)`,
      ).toContain(`"path":"/build/artifacts/${i}/docker/target"`),
    );
    const forwarded = (config.portForward as { resourceName: string; port: number }[])
      .map((p) => p.port)
      .sort();
    expect(forwarded).toEqual(
      [...services.filter((s) => s.kind !== 'grpc').map((s) => s.port), 16686].sort(),
    );
  });
});

describe('kind cluster', () => {
  const config = parse(readFileSync(kindConfigFile, 'utf8'));

  it('parses as a kind v1alpha4 cluster with the local-registry wiring and ingress ports', () => {
    expect(config.kind).toBe('Cluster');
    expect(config.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(config.name).toBe(CLUSTER);
    expect(config.containerdConfigPatches.join('\n')).toMatch(/config_path = "\/etc\/containerd\/certs.d"/);
    const ports = config.nodes[0].extraPortMappings.map((p: { containerPort: number }) => p.containerPort);
    expect(ports).toEqual([80, 443]);
  });

  it('announces the registry the cluster script starts (local-registry-hosting, a valid ConfigMap)', async () => {
    const configMap = parse(read('k8s/local-registry-hosting.yaml')) as {
      metadata: { name: string; namespace: string };
      data: Record<string, string>;
    };
    expect((await kubernetesValidator()).errors(configMap)).toEqual([]);
    expect(configMap.metadata).toEqual({ name: 'local-registry-hosting', namespace: 'kube-public' });
    expect(parse(configMap.data['localRegistryHosting.v1']!).host).toBe(`localhost:${REGISTRY.port}`);
    // values-kind.yaml pulls from the same registry.
    const values = parse(read('charts/app/values-kind.yaml')) as { global: { imageRegistry: string } };
    expect(values.global.imageRegistry).toBe(`localhost:${REGISTRY.port}`);
  });

  it('npm run k8s:up says what is missing when docker, kind or kubectl is not installed', () => {
    expect(missingTools('/nonexistent')).toEqual(['docker', 'kind', 'kubectl']);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/k8s/cluster.ts', 'up'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: '/nonexistent' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing on PATH: docker, kind, kubectl/);
    expect(result.stderr).toMatch(/kind\.sigs\.k8s\.io/);
  });
});

describe('one list of services', () => {
  it('is the same set in services.json, the Tiltfile, skaffold, the chart (values-kind.yaml) and compose', () => {
    const chartImages = [
      ...new Set(
        render({ values: ['values-kind.yaml'] })
          .filter((o) => o.kind === 'Deployment')
          .flatMap((d) => (d.spec.template.spec.containers as { image: string }[]).map((c) => c.image))
          .filter((image) => image.startsWith(`localhost:${REGISTRY.port}/`))
          .map(imageName),
      ),
    ].sort();
    const skaffold = (
      parse(read('skaffold.yaml')) as { build: { artifacts: { image: string }[] } }
    ).build.artifacts
      .map((a) => a.image)
      .sort();
    // The Tiltfile reads services.json itself (what it builds is checked above, by running it).
    expect(read('Tiltfile')).toMatch(/read_json\("services\.json"\)/);
    expect({ chart: chartImages, skaffold }).toEqual({ chart: names, skaffold: names });
  });

  it('is the set of services compose builds (serving and migrate one-shots alike)', () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { build?: { args?: Record<string, string> } }>;
    };
    const built = [
      ...new Set(
        Object.values(compose.services)
          .map((s) => s.build?.args?.SERVICE_NAME)
          .filter((name): name is string => Boolean(name)),
      ),
    ].sort();
    expect(built).toEqual(names);
  });

  it('is what npm run dev starts (scripts/dev.ts reads services.json)', () => {
    const dev = read('scripts/dev.ts');
    expect(dev).toMatch(/loadServices\(\)/);
    expect(dev).not.toMatch(/'(users|notes|gateway)'/);
  });
});
