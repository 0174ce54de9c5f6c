// `request.clientSignal`: aborts when the client disconnects before its answer was sent, so the gRPC
// calls made for it are cancelled too. (Fastify's own `request.signal` listens to the request stream's
// 'close', which Node emits as soon as a request body has been read: every POST would be cancelled.)
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    clientSignal: AbortSignal;
  }
}

export default fp(
  async (fastify) => {
    fastify.decorateRequest('clientSignal', null as unknown as AbortSignal);
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const controller = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
      });
      request.clientSignal = controller.signal;
    });
  },
  { name: 'client-signal' },
);
