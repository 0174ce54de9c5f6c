import type { Complete } from '@app/platform';
import type { GetUserRequest } from '@app/users';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ClientError, Status } from 'nice-grpc-common';
import { toUser } from '../convert.js';
import { errors, unauthenticated, UPSTREAM_ERRORS } from '../errors.js';
import { callOptions } from '../grpc.js';
import { bearer, User } from '../schemas.js';

const me: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/me',
    {
      onRequest: fastify.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        security: bearer,
        response: { 200: User, ...errors(401, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const userId = request.user.sub;
      try {
        const message: Complete<GetUserRequest> = { id: userId };
        const { user } = await fastify.upstreams.users.getUser(message, callOptions(request, userId));
        return toUser(user);
      } catch (error) {
        // A valid token of an account that no longer exists is no credential.
        if (error instanceof ClientError && error.code === Status.NOT_FOUND) throw unauthenticated();
        throw error;
      }
    },
  );
};

export default me;
