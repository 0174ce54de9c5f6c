// Production entry: `node server.js` runs the adapter-node build (build/index.js) with ORIGIN read at
// run time. adapter-node 6 (SvelteKit 3) dropped the ORIGIN variable: the origin of a request — what
// form posts are checked against (CSRF) — is `paths.origin` fixed at build time, or https + the Host
// header. So one image can serve http://localhost:3000 in docker compose and https://app.example in
// a cluster, every request gets the scheme and host of ORIGIN through the headers adapter-node reads.
// Without ORIGIN this is exactly `node build/index.js`.
import { createLogger, exitOnFatalError } from '@app/platform/logging';

const PROTOCOL_HEADER = 'x-app-origin-protocol';
const HOST_HEADER = 'x-app-origin-host';

let origin;
if (process.env.ORIGIN) {
  try {
    origin = new URL(process.env.ORIGIN);
  } catch {
    console.error(`ORIGIN must be a URL such as https://app.example, got "${process.env.ORIGIN}"`);
    process.exit(1);
  }
  process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
  process.env.HOST_HEADER = HOST_HEADER;
}

// A bug nobody caught: logged as JSON, in-flight requests get 5 s to finish, then exit 1.
let server;
exitOnFatalError(createLogger('web'), async () => {
  if (!server) return;
  server.closeIdleConnections();
  await new Promise((resolve) => server.close(() => resolve()));
});

// Listens as soon as it is imported; no request is handled before the listener below is in place.
({ server } = await import('./build/index.js'));

if (origin) {
  const protocol = origin.protocol.slice(0, -1);
  server.prependListener('request', (request) => {
    // Set, never taken from the client.
    request.headers[PROTOCOL_HEADER] = protocol;
    request.headers[HOST_HEADER] = origin.host;
  });
}
