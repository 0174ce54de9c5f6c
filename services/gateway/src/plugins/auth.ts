// Access tokens: HS256 JWTs signed and verified by the gateway with the algorithm, issuer and audience
// pinned. Routes that need a user add `onRequest: fastify.authenticate` and read `request.user.sub`.
import jwt from '@fastify/jwt';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { unauthenticated } from '../errors.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string };
    user: { sub: string };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: 401 unless the request carries a valid access token. */
    authenticate: (request: FastifyRequest) => Promise<void>;
    /** A new access token for this user. */
    signAccessToken(userId: string): string;
  }
}

export interface AuthOptions {
  secret: string;
  issuer: string;
  audience: string;
  /** Seconds. */
  accessTokenTtl: number;
}

export default fp<AuthOptions>(
  async (fastify, { secret, issuer, audience, accessTokenTtl }) => {
    await fastify.register(jwt, {
      secret,
      sign: { algorithm: 'HS256', iss: issuer, aud: audience, expiresIn: accessTokenTtl },
      verify: {
        algorithms: ['HS256'],
        allowedIss: issuer,
        allowedAud: audience,
        requiredClaims: ['sub', 'exp', 'iss', 'aud'],
      },
    });

    fastify.decorate('signAccessToken', (userId: string) => fastify.jwt.sign({ sub: userId }));

    fastify.decorate('authenticate', async (request: FastifyRequest) => {
      try {
        await request.jwtVerify();
      } catch (error) {
        // Missing, malformed, expired, tampered, wrong key/alg/issuer/audience: one answer, no details.
        request.log.debug({ reason: (error as { code?: string }).code }, 'access token rejected');
        throw unauthenticated();
      }
      if (typeof request.user.sub !== 'string' || request.user.sub === '') throw unauthenticated();
    });
  },
  { name: 'auth' },
);
