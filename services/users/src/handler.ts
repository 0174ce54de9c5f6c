// The gRPC endpoints: proto request → domain call → proto response; domain errors → gRPC status.
import { allFieldsUsed, clientIpOf, serverError } from '@app/platform';
import { type CallContext, type ServerError, Status } from 'nice-grpc';
import { RetryInfo, RichServerError } from 'nice-grpc-error-details';
import type { User as ProtoUser, UsersServiceImplementation } from './gen/users/v1/users.js';
import {
  UsersError,
  type IssuedRefreshToken,
  type User,
  type UserService,
  type UsersErrorCode,
} from './service.js';
import { TooManyAttemptsError } from './throttle.js';

const STATUS = {
  INVALID_EMAIL: Status.INVALID_ARGUMENT,
  INVALID_PASSWORD: Status.INVALID_ARGUMENT,
  INVALID_NAME: Status.INVALID_ARGUMENT,
  INVALID_ID: Status.INVALID_ARGUMENT,
  EMAIL_TAKEN: Status.ALREADY_EXISTS,
  INVALID_CREDENTIALS: Status.UNAUTHENTICATED,
  INVALID_TOKEN: Status.UNAUTHENTICATED,
  NOT_FOUND: Status.NOT_FOUND,
  INVALID_INPUT: Status.INVALID_ARGUMENT,
  TOO_MANY_ATTEMPTS: Status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: Status.UNAVAILABLE,
} satisfies Record<UsersErrorCode, Status>;

// Each endpoint names every field of its request and passes the rest to allFieldsUsed: a field added to a
// request message fails `npm run check` here until it is forwarded to the domain.
export function createUsersHandler(users: UserService): UsersServiceImplementation {
  return {
    createUser: ({ email, password, name, startSession, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        const input = { email, password, name };
        if (!startSession) return { user: toProto(await users.createUser(input, caller(context))) };
        const { user, refreshToken } = await users.signUp(input, caller(context));
        return { user: toProto(user), refreshToken: toProtoToken(refreshToken) };
      }),
    logIn: ({ email, password, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        const { user, refreshToken } = await users.logIn(email, password, caller(context));
        return { user: toProto(user), refreshToken: toProtoToken(refreshToken) };
      }),
    getUsers: ({ ids, ...rest }) =>
      call(async () => {
        allFieldsUsed(rest);
        return { users: (await users.getUsers(ids)).map(toProto) };
      }),
    verifyCredentials: ({ email, password, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        return { user: toProto(await users.verifyCredentials(email, password, caller(context))) };
      }),
    getUser: ({ id, ...rest }) =>
      call(async () => {
        allFieldsUsed(rest);
        return { user: toProto(await users.getUser(id)) };
      }),
    getUserByEmail: ({ email, ...rest }) =>
      call(async () => {
        allFieldsUsed(rest);
        return { user: toProto(await users.getUserByEmail(email)) };
      }),
    issueRefreshToken: ({ userId, ...rest }) =>
      call(async () => {
        allFieldsUsed(rest);
        return { refreshToken: toProtoToken(await users.issueRefreshToken(userId)) };
      }),
    rotateRefreshToken: ({ refreshToken, ...rest }, context) =>
      call(async () => {
        allFieldsUsed(rest);
        const rotated = await users.rotateRefreshToken(refreshToken, caller(context));
        return { userId: rotated.userId, refreshToken: toProtoToken(rotated.refreshToken) };
      }),
    revokeRefreshToken: ({ refreshToken, ...rest }) =>
      call(async () => {
        allFieldsUsed(rest);
        await users.revokeRefreshToken(refreshToken);
        return {};
      }),
  };
}

/** Who is calling, for throttling: the client IP the gateway saw. */
function caller(context: CallContext) {
  return { clientIp: clientIpOf(context) };
}

/** Domain errors carry messages written for clients; anything else is left to the error middleware. */
async function call<T>(endpoint: () => Promise<T>): Promise<T> {
  try {
    return await endpoint();
  } catch (error) {
    // (`instanceof` narrows the generic class to UsersError<any>.)
    throw error instanceof UsersError ? toServerError(error as UsersError) : error;
  }
}

/** A domain error about one input field carries it as a google.rpc.BadRequest field violation. */
function toServerError(error: UsersError): ServerError {
  if (error instanceof TooManyAttemptsError) {
    // google.rpc.RetryInfo: the gateway turns it into Retry-After.
    return new RichServerError(STATUS[error.code], error.message, [
      RetryInfo.fromPartial({ retryDelay: { seconds: error.retryAfterSeconds } }),
    ]);
  }
  return serverError(STATUS[error.code], error.message, error.field);
}

function toProto(user: User): ProtoUser {
  return { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt.toISOString() };
}

function toProtoToken(token: IssuedRefreshToken) {
  return { token: token.token, expiresAt: token.expiresAt.toISOString() };
}
