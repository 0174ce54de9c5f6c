// Regenerates every service's TypeScript from proto/ (ts-proto through buf).
//   npm run proto          write services/<name>/src/gen and web/src/lib/gen
//   npm run proto:check    fail when the committed generated code is stale
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServices, root } from './lib/services.ts';

const protoDir = join(root, 'proto');
const buf = join(root, 'node_modules/.bin/buf');
const plugin = join(root, 'node_modules/.bin/protoc-gen-ts_proto');

const common = ['esModuleInterop=true', 'importSuffix=.js', 'useDate=string', 'outputJsonMethods=false'];
const serverOptions = [
  ...common,
  'outputServices=nice-grpc',
  'outputServices=generic-definitions',
  'useExactTypes=false',
];
const typesOnlyOptions = [...common, 'onlyTypes=true'];

type Target = { protoPath: string; out: string; options: string[] };

const services = loadServices()
  .filter((service) => service.kind === 'grpc')
  .map((service) => service.name);

const targets: Target[] = [
  ...services.map((name) => ({ protoPath: name, out: `services/${name}/src/gen`, options: serverOptions })),
  { protoPath: '.', out: 'web/src/lib/gen', options: typesOnlyOptions },
];

function generate(target: Target, outRoot: string): void {
  const template = JSON.stringify({
    version: 'v2',
    plugins: [{ local: plugin, out: join(outRoot, target.out), opt: target.options }],
  });
  const args = ['generate', '--template', template];
  if (target.protoPath !== '.') args.push('--path', target.protoPath);
  execFileSync(buf, args, { cwd: protoDir, stdio: 'inherit' });
}

execFileSync(buf, ['lint'], { cwd: protoDir, stdio: 'inherit' });

if (process.argv.includes('--check')) {
  const scratch = mkdtempSync(join(tmpdir(), 'proto-check-'));
  try {
    for (const target of targets) generate(target, scratch);
    const stale = targets.filter((target) => {
      try {
        execFileSync('diff', ['-r', join(scratch, target.out), join(root, target.out)], { stdio: 'inherit' });
        return false;
      } catch {
        return true;
      }
    });
    if (stale.length > 0) {
      console.error(
        `Generated code is stale in: ${stale.map((t) => t.out).join(', ')}. Run \`npm run proto\`.`,
      );
      process.exit(1);
    }
    console.log('Generated code is up to date.');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
} else {
  for (const target of targets) {
    const out = join(root, target.out);
    if (existsSync(out)) rmSync(out, { recursive: true });
    generate(target, root);
    console.log(`generated ${target.out}`);
  }
}
