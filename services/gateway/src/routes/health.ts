// Probes: /healthz says the process is alive; /readyz says every upstream answers its gRPC health check.
import { isServing } from '@app/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, HttpError } from '../errors.js';

const Status = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/healthz',
    {
      logLevel: 'warn', // probes run every few seconds: no access log line for each
      schema: { tags: ['probes'], summary: 'The process is alive', response: { 200: Status } },
    },
    async () => ({ status: 'ok' as const }),
  );

  fastify.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['probes'],
        summary: 'Every upstream service answers its health check',
        response: { 200: Status, ...errors(503) },
      },
    },
    async (request) => {
      const checks = Object.entries(fastify.upstreams.health).map(async ([name, client]) => ({
        name,
        serving: await isServing(client, request.clientSignal),
      }));
      const down = (await Promise.all(checks)).filter((check) => !check.serving).map((check) => check.name);
      if (down.length > 0) {
        request.log.warn({ down }, 'not ready');
        throw new HttpError(503, 'UNAVAILABLE', `Not ready: ${down.join(', ')} unavailable`);
      }
      return { status: 'ok' as const };
    },
  );
};

export default health;
