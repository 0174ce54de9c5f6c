// Starts OpenTelemetry before the application is imported. Load it with `--import`:
//   node --import @app/platform/telemetry/register dist/src/main.js                       (built)
//   node --conditions=app-source --import tsx --import @app/platform/telemetry/register src/main.ts
//   tsx watch --conditions=app-source --import @app/platform/telemetry/register src/main.ts  (dev)
// When spans are exported, an ESM loader hook (import-in-the-middle) is installed for exactly the
// modules the instrumentations patch, so `import pg from 'pg'` in an ES module is instrumented too.
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { shutdownTelemetry, startTelemetry, telemetryMode } from '../telemetry.js';

if (telemetryMode() === 'export') {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  startTelemetry({ defaultServiceName: defaultServiceName() });
  await waitForAllMessagesAcknowledged();
  // A process that ends on its own (no runProcess, e.g. the web server) still flushes its spans.
  process.once('beforeExit', () => void shutdownTelemetry());
} else {
  startTelemetry({ defaultServiceName: defaultServiceName() });
}

/** `npm run` names the package (`@app/notes` → `notes`); OTEL_SERVICE_NAME takes precedence. */
function defaultServiceName(): string | undefined {
  return process.env.npm_package_name?.replace(/^@[^/]+\//, '') || undefined;
}
