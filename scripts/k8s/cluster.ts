// npm run k8s:up / k8s:down: the local kind cluster (k8s/kind.yaml) and its image registry on
// localhost:5001, wired the way kind documents it (hosts.toml on every node, the registry on the "kind"
// network, the local-registry-hosting ConfigMap). Safe to run twice.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { root } from '../lib/services.ts';

export const kindConfigFile = join(root, 'k8s/kind.yaml');
export const CLUSTER = (parse(readFileSync(kindConfigFile, 'utf8')) as { name: string }).name;
export const CONTEXT = `kind-${CLUSTER}`;
export const REGISTRY = { name: `${CLUSTER}-registry`, port: 5001, image: 'docker.io/library/registry:2' };

const TOOLS: Record<string, string> = {
  docker: 'Docker Engine or Docker Desktop 24+ (https://docs.docker.com/get-docker/)',
  kind: 'kind 0.27+ (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
  kubectl: 'kubectl 1.30+ (https://kubernetes.io/docs/tasks/tools/)',
};

/** The tools of TOOLS that are not on PATH. */
export function missingTools(path = process.env.PATH ?? ''): string[] {
  const dirs = path.split(delimiter).filter(Boolean);
  return Object.keys(TOOLS).filter(
    (tool) => !dirs.some((dir) => spawnSync('test', ['-x', join(dir, tool)]).status === 0),
  );
}

function run(command: string, args: string[], input?: string): { ok: boolean; out: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'inherit'] });
  return { ok: result.status === 0, out: (result.stdout ?? '').trim() };
}

function must(command: string, args: string[], input?: string): string {
  console.log(`$ ${command} ${args.join(' ')}`);
  const { ok, out } = run(command, args, input);
  if (!ok) throw new Error(`${command} ${args.join(' ')} failed`);
  return out;
}

function up(): void {
  if (run('docker', ['info', '--format', '{{.ServerVersion}}']).ok === false)
    throw new Error('docker is installed but its daemon does not answer (is Docker running?)');

  const running = run('docker', ['inspect', '-f', '{{.State.Running}}', REGISTRY.name]).out === 'true';
  if (!running) {
    run('docker', ['rm', '-f', REGISTRY.name]);
    must('docker', [
      'run', '-d', '--restart=always', '-p', `127.0.0.1:${REGISTRY.port}:5000`,
      '--network', 'bridge', '--name', REGISTRY.name, REGISTRY.image,
    ]); // prettier-ignore
  }

  if (!must('kind', ['get', 'clusters']).split('\n').includes(CLUSTER))
    must('kind', ['create', 'cluster', '--config', kindConfigFile]);

  // Every node pulls localhost:<port>/... from the registry container over the "kind" network.
  const hostsDir = `/etc/containerd/certs.d/localhost:${REGISTRY.port}`;
  for (const node of must('kind', ['get', 'nodes', '--name', CLUSTER]).split('\n').filter(Boolean)) {
    must('docker', ['exec', node, 'mkdir', '-p', hostsDir]);
    must(
      'docker',
      ['exec', '-i', node, 'cp', '/dev/stdin', `${hostsDir}/hosts.toml`],
      `[host."http://${REGISTRY.name}:5000"]\n`,
    );
  }
  const networks = run('docker', [
    'inspect',
    '-f',
    '{{json .NetworkSettings.Networks.kind}}',
    REGISTRY.name,
  ]).out;
  if (networks === 'null' || networks === '') must('docker', ['network', 'connect', 'kind', REGISTRY.name]);
  must('kubectl', ['--context', CONTEXT, 'apply', '-f', join(root, 'k8s/local-registry-hosting.yaml')]);

  console.log(`
The cluster ${CONTEXT} is up, with its registry at localhost:${REGISTRY.port}.
  tilt up                                                       # live reload (or: skaffold dev -p kind)
  kubectl --context ${CONTEXT} get pods                         # what runs
  npm run k8s:down                                              # delete the cluster and the registry`);
}

function down(): void {
  if (run('kind', ['get', 'clusters']).out.split('\n').includes(CLUSTER))
    must('kind', ['delete', 'cluster', '--name', CLUSTER]);
  if (run('docker', ['inspect', REGISTRY.name]).ok) must('docker', ['rm', '-f', REGISTRY.name]);
  console.log(`Deleted the cluster ${CONTEXT} and the registry ${REGISTRY.name}.`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  try {
    if (command !== 'up' && command !== 'down') throw new Error('usage: cluster.ts up|down');
    const missing = missingTools();
    if (missing.length) {
      throw new Error(
        `missing on PATH: ${missing.join(', ')}\n` +
          missing.map((tool) => `  ${tool}: ${TOOLS[tool]}`).join('\n'),
      );
    }
    if (command === 'up') up();
    else down();
  } catch (error) {
    console.error(`k8s:${command ?? '?'}: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
