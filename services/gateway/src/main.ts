// Setup only: read the config, connect to the services, serve, and on SIGTERM drain HTTP then close
// the gRPC channels. Start it with `--import @app/platform/telemetry/register` (the package scripts do)
// so OpenTelemetry is running before Fastify and gRPC are loaded.
import { runProcess } from '@app/platform';
import { buildApp } from './app.js';
import { loadGatewayConfig } from './config.js';
import { connectUpstreams } from './upstreams.js';

await runProcess('gateway', async (logger) => {
  const config = loadGatewayConfig();
  const upstreams = connectUpstreams(config);
  const app = buildApp({ config, upstreams, logger });
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    upstreams.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port }, 'listening');

  return async () => {
    await app.close(); // stops accepting, lets requests in flight finish
    upstreams.close();
  };
});
