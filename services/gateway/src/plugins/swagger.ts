// The OpenAPI 3 document, generated from the route schemas: GET /docs/json, and a UI at GET /docs.
// Must be registered before the routes so it sees them.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function docs(fastify: FastifyInstance) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gateway REST API',
        description: 'Authenticates, validates and forwards to the services over gRPC.',
        version: '1.0.0',
      },
      tags: [
        { name: 'auth', description: 'Accounts and sessions' },
        { name: 'notes', description: 'Notes owned by a user and shared with others' },
        { name: 'probes', description: 'Liveness and readiness' },
      ],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await fastify.register(swaggerUi, { routePrefix: '/docs' });
}

// fastify-plugin: the swagger plugin must see the routes registered next to it, not only its own.
export default fp(docs, { name: 'docs' });
