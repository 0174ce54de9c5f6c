// Starts OpenTelemetry before the application is imported. Load it with `--import`:
//   node --import @app/platform/telemetry/register dist/src/main.js                       (built)
//   node --conditions=app-source --import tsx --import @app/platform/telemetry/register src/main.ts
//   tsx watch --conditions=app-source --import @app/platform/telemetry/register src/main.ts  (dev)
// When spans are exported, an ESM loader hook (import-in-the-middle) is installed for exactly the
// modules the instrumentations patch, so `import pg from 'pg'` in an ES module is instrumented too.
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { currentTelemetry, shutdownTelemetry, startTelemetry, telemetryMode } from '../telemetry.js';

// Loaded twice (e.g. `--import` and a SvelteKit instrumentation file): the first one wins.
if (!currentTelemetry()) {
  const exporting = telemetryMode() === 'export';
  const hooks = exporting ? createAddHookMessageChannel() : undefined;
  if (hooks) register('import-in-the-middle/hook.mjs', import.meta.url, hooks.registerOptions);
  await startTelemetry({ defaultServiceName: defaultServiceName() });
  // The loader must know every module the instrumentations patch before the app is imported.
  await hooks?.waitForAllMessagesAcknowledged();
  // A process that ends on its own (no runProcess, e.g. the web server) still flushes its spans.
  if (exporting) process.once('beforeExit', () => void shutdownTelemetry());
}

/**
 * service.name when OTEL_SERVICE_NAME is not set: the name of the package the process runs in
 * (`services/notes` → `@app/notes` → `notes`), as `npm run dev` and the test helpers start them.
 */
function defaultServiceName(): string | undefined {
  try {
    const { name } = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
      name?: unknown;
    };
    return typeof name === 'string' && name ? name.replace(/^@[^/]+\//, '') : undefined;
  } catch {
    return undefined;
  }
}
