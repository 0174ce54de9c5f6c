// /api/auth: accounts and sessions. The users service owns accounts and refresh tokens; the gateway
// signs the short-lived access tokens.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { present, toUser } from '../convert.js';
import { errors, UPSTREAM_ERRORS } from '../errors.js';
import { callOptions } from '../grpc.js';
import { Email, NoContent, User } from '../schemas.js';

const Password = Type.String({ minLength: 8, maxLength: 256 });
const RefreshToken = Type.String({ minLength: 1, maxLength: 512 });

const SignupBody = Type.Object(
  { email: Email, password: Password, name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
const LoginBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
const RefreshBody = Type.Object({ refreshToken: RefreshToken }, { additionalProperties: false });

const TokenPair = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Type.String(),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  },
  { additionalProperties: false, title: 'TokenPair' },
);

const auth: FastifyPluginAsyncTypebox = async (fastify) => {
  const { users } = fastify.upstreams;
  const { ACCESS_TOKEN_TTL, RATE_LIMIT_AUTH_MAX, RATE_LIMIT_AUTH_WINDOW_MS } = fastify.config;
  const rateLimit = { max: RATE_LIMIT_AUTH_MAX, timeWindow: RATE_LIMIT_AUTH_WINDOW_MS };

  const tokenPair = (userId: string, refreshToken: { token: string } | undefined) => ({
    accessToken: fastify.signAccessToken(userId),
    refreshToken: present(refreshToken, 'refreshToken').token,
    tokenType: 'Bearer' as const,
    expiresIn: ACCESS_TOKEN_TTL,
  });

  fastify.post(
    '/signup',
    {
      config: { rateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        body: SignupBody,
        response: {
          201: Type.Object({ user: User }, { additionalProperties: false }),
          ...errors(400, 409, 429, ...UPSTREAM_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const { email, password, name } = request.body;
      const { user } = await users.createUser({ email, password, name }, callOptions(request));
      return reply.code(201).send({ user: toUser(user) });
    },
  );

  fastify.post(
    '/login',
    {
      config: { rateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for an access token and a refresh token',
        body: LoginBody,
        response: { 200: TokenPair, ...errors(400, 401, 429, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const { email, password } = request.body;
      const { user } = await users.verifyCredentials({ email, password }, callOptions(request));
      const userId = toUser(user).id;
      const { refreshToken } = await users.issueRefreshToken({ userId }, callOptions(request, userId));
      return tokenPair(userId, refreshToken);
    },
  );

  fastify.post(
    '/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair; the old refresh token stops working',
        body: RefreshBody,
        response: { 200: TokenPair, ...errors(400, 401, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const { userId, refreshToken } = await users.rotateRefreshToken(
        { refreshToken: request.body.refreshToken },
        callOptions(request),
      );
      return tokenPair(userId, refreshToken);
    },
  );

  fastify.post(
    '/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token',
        body: RefreshBody,
        response: { 204: NoContent, ...errors(400, ...UPSTREAM_ERRORS) },
      },
    },
    async (request, reply) => {
      await users.revokeRefreshToken({ refreshToken: request.body.refreshToken }, callOptions(request));
      return reply.code(204).send(null);
    },
  );
};

export default auth;
