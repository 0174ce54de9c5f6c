// The image's HEALTHCHECK, with nothing installed beyond the service itself: the standard gRPC health
// check for gRPC services, GET /healthz for the gateway and the web app, on the port the process
// listens on (PORT, else the one of services.json). Exits 0 when healthy, 1 otherwise, within 4 s.
import { readFileSync } from 'node:fs';

const image = Object.fromEntries(
  readFileSync('/app/image.env', 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);
const port = process.env.PORT || image.SERVICE_PORT;
const signal = AbortSignal.timeout(4_000);

async function healthy() {
  if (image.SERVICE_KIND === 'grpc') {
    const { createChannel, createClient } = await import('nice-grpc');
    const { HealthDefinition } = await import('nice-grpc-server-health');
    const channel = createChannel(`127.0.0.1:${port}`);
    try {
      const { status } = await createClient(HealthDefinition, channel).check({ service: '' }, { signal });
      return status === 1; // SERVING
    } finally {
      channel.close();
    }
  }
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal });
  return response.ok;
}

healthy().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    console.error(`unhealthy: ${error.message}`);
    process.exit(1);
  },
);
