// The gateway as a Fastify plugin (`gateway`) plus a factory (`buildApp`) that makes the server instance
// with it; main.ts runs it, tests `inject` into it. Nothing here reads the environment.
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createLogger, type Logger } from '@app/platform';
import { currentTraceId, fastifyOtel } from '@app/platform/telemetry';
import Fastify, { type FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from './config.js';
import { OneLinePerRequest } from './request-log.js';
import { clientErrorHandler, errorHandler, HttpError, notFoundHandler } from './errors.js';
import auth from './plugins/auth.js';
import clientSignal from './plugins/client-signal.js';
import loadShedding from './plugins/load-shedding.js';
import retryAfter from './plugins/retry-after.js';
import docs from './plugins/swagger.js';
import authRoutes from './routes/auth.js';
import health from './routes/health.js';
import me from './routes/me.js';
import notes from './routes/notes.js';
// new:service import (npm run new:service adds the routes of each new service above this line)
import type { Upstreams } from './upstreams.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: GatewayConfig;
    upstreams: Upstreams;
  }
}

export interface GatewayOptions {
  config: GatewayConfig;
  /** The gRPC clients; their owner closes them after the app (see connectUpstreams). */
  upstreams: Upstreams;
}

/** 1 MiB: larger bodies get 413. */
export const BODY_LIMIT = 1024 * 1024;

const gateway: FastifyPluginAsync<GatewayOptions> = async (fastify, { config, upstreams }) => {
  // One span per request, named after its route (a no-op unless traces are exported; see main.ts).
  await fastify.register(fastifyOtel());
  // The trace id goes back to the client, to find the request in Jaeger (absent when not traced).
  fastify.addHook('onRequest', async (_request, reply) => {
    const traceId = currentTraceId();
    if (traceId) reply.header('x-trace-id', traceId);
  });

  fastify.decorate('config', config);
  fastify.decorate('upstreams', upstreams);

  // Before any route, so every route (and the plugins' own errors) answer in the error shape.
  fastify.setErrorHandler(errorHandler);
  fastify.setNotFoundHandler(notFoundHandler);

  // Draining on shutdown: answers in flight close their connection (a keep-alive client would
  // otherwise hold the server open), and a request that still arrives gets 503 in the error shape.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onRequest', async () => {
    if (closing) throw new HttpError(503, 'UNAVAILABLE', 'The server is shutting down, try again');
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  // HTTP/1.1 requires a Host header (RFC 9112 §3.2). Node's own check would answer 400 with no body.
  fastify.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'Missing Host header');
    }
  });

  await fastify.register(clientSignal);
  await fastify.register(loadShedding, { maxEventLoopDelayMs: config.LOAD_SHED_EVENT_LOOP_DELAY_MS });
  await fastify.register(helmet);
  // No CORS plugin: the browser never calls the gateway directly (the web app's server does).
  await fastify.register(rateLimit, { global: false });
  await fastify.register(retryAfter);
  await fastify.register(auth, {
    secret: config.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTokenTtl: config.ACCESS_TOKEN_TTL,
  });
  await fastify.register(docs);

  await fastify.register(health);
  await fastify.register(authRoutes, { prefix: '/api/auth' });
  await fastify.register(me, { prefix: '/api' });
  await fastify.register(notes, { prefix: '/api/notes' });
  // new:service route (npm run new:service registers each new service's routes above this line)
};

/** The plugin, for embedding; it decorates the instance it is registered on. */
const gatewayPlugin = fp(gateway, { name: 'gateway', fastify: '5.x' });
export default gatewayPlugin;

export interface AppOptions extends GatewayOptions {
  /** Defaults to a silent logger (tests). */
  logger?: Logger;
}

const ajvCompilers = AjvCompiler();

/**
 * JSON bodies keep their types: `{"title": 123}` or `{"pinned": 1}` is a 400 naming the field, never
 * "123" or true. Query strings and path parameters are text, so they are coerced (`?limit=20` is 20).
 */
const buildValidator: ValidatorFactory = (externalSchemas, serverOptions) => {
  // The gateway never uses JTD mode.
  const options = serverOptions as { customOptions?: Record<string, unknown> } | undefined;
  const coercing = ajvCompilers(externalSchemas, serverOptions);
  const exact = ajvCompilers(externalSchemas, {
    ...options,
    customOptions: { ...options?.customOptions, coerceTypes: false },
  });
  return (route) => (route.httpPart === 'body' ? exact : coercing)(route);
};

/** The server instance: Fastify with the gateway's server options and the gateway plugin. */
export function buildApp({ logger = createLogger('gateway', 'silent'), ...options }: AppOptions) {
  const app = Fastify({
    loggerInstance: logger,
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT,
    // A client gets this long to send its whole request (slow-client protection; Fastify's default is none).
    requestTimeout: 30_000,
    trustProxy: options.config.TRUST_PROXY,
    // Errors before routing (bad URL encoding, unparsable HTTP) answer in the error shape too.
    frameworkErrors: (error, request, reply) => void errorHandler(error, request, reply),
    clientErrorHandler,
    // Checked by the plugin instead, so that the answer has the error shape.
    http: { requireHostHeader: false },
    // Shutdown is handled by the preClose/onRequest hooks of the plugin (same error shape).
    return503OnClosing: false,
    // Unknown body fields are rejected (400), never silently dropped or stored; every violation is
    // reported (bodies are bounded by BODY_LIMIT), one per field in `details`.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    schemaController: { compilersFactory: { buildValidator } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.register(gatewayPlugin, options);
  return app;
}
