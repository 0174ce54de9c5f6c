// /api/auth: accounts and sessions. The users service owns accounts and refresh tokens; the gateway
// signs the short-lived access tokens.
// Every gRPC request is built as a Complete<…Request> value: a field added to a request message fails
// `npm run check` here until the route forwards it.
import type { Complete } from '@app/platform';
import type {
  CreateUserRequest,
  LogInRequest,
  RevokeRefreshTokenRequest,
  RotateRefreshTokenRequest,
} from '@app/users';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { present, toUser } from '../convert.js';
import { errors, UPSTREAM_ERRORS } from '../errors.js';
import { callOptions } from '../grpc.js';
import { LoginBody, NoContent, RefreshBody, SignupBody, TokenPair, User } from '../schemas.js';

const auth: FastifyPluginAsyncTypebox = async (fastify) => {
  const { users } = fastify.upstreams;
  const { ACCESS_TOKEN_TTL, RATE_LIMIT_AUTH_MAX, RATE_LIMIT_AUTH_WINDOW_MS } = fastify.config;
  // A coarse first line per gateway process; the limits that hold across every replica are the users
  // service's (failed log-ins per account and per IP, sign-ups and refreshes per IP, in its database).
  const rateLimit = { max: RATE_LIMIT_AUTH_MAX, timeWindow: RATE_LIMIT_AUTH_WINDOW_MS };
  // A web page may refresh a few times at once (one per request in flight); allow more than log-ins.
  const refreshRateLimit = { max: RATE_LIMIT_AUTH_MAX * 5, timeWindow: RATE_LIMIT_AUTH_WINDOW_MS };

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
        summary: 'Create an account, and a session for it (as a log-in would give)',
        body: SignupBody,
        response: {
          201: Type.Object({ user: User, session: TokenPair }, { additionalProperties: false }),
          ...errors(400, 409, 429, ...UPSTREAM_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const { email, password, name } = request.body;
      // The session comes with the account: a sign-up that logs straight in costs one password hash.
      const message: Complete<CreateUserRequest> = { email, password, name, startSession: true };
      const { user, refreshToken } = await users.createUser(message, callOptions(request));
      const created = toUser(user);
      return reply.code(201).send({ user: created, session: tokenPair(created.id, refreshToken) });
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
      // One round trip: the users service checks the password and starts the session in one call.
      const credentials: Complete<LogInRequest> = { email, password };
      const { user, refreshToken } = await users.logIn(credentials, callOptions(request));
      return tokenPair(toUser(user).id, refreshToken);
    },
  );

  fastify.post(
    '/refresh',
    {
      config: { rateLimit: refreshRateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair; the old refresh token stops working',
        body: RefreshBody,
        response: { 200: TokenPair, ...errors(400, 401, 429, ...UPSTREAM_ERRORS) },
      },
    },
    async (request) => {
      const message: Complete<RotateRefreshTokenRequest> = { refreshToken: request.body.refreshToken };
      const { userId, refreshToken } = await users.rotateRefreshToken(message, callOptions(request));
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
      const message: Complete<RevokeRefreshTokenRequest> = { refreshToken: request.body.refreshToken };
      await users.revokeRefreshToken(message, callOptions(request));
      return reply.code(204).send(null);
    },
  );
};

export default auth;
