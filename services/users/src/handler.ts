// The gRPC endpoints: proto request → domain call → proto response; domain errors → gRPC status.
import { allFieldsUsed, serverError } from '@app/platform';
import { type ServerError, Status } from 'nice-grpc';
import type { User as ProtoUser, UsersServiceImplementation } from './gen/users/v1/users.js';
import {
  UsersError,
  type IssuedRefreshToken,
  type User,
  type UserService,
  type UsersErrorCode,
} from './service.js';

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
  UNAVAILABLE: Status.UNAVAILABLE,
} satisfies Record<UsersErrorCode, Status>;

// Each endpoint names every field of its request and passes the rest to allFieldsUsed: a field added to a
// request message fails `npm run check` here until it is forwarded to the domain.
export function createUsersHandler(users: UserService): UsersServiceImplementation {
  return {
    createUser: ({ email, password, name, ...rest }) =>
      call(async () => {
        allFieldsUsed(rest);
        return { user: toProto(await users.createUser({ email, password, name })) };
      }),
    verifyCredentials: ({ email, password, ...rest }) =>
      call(async () => {
        allFieldsUsed(rest);
        return { user: toProto(await users.verifyCredentials(email, password)) };
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
    rotateRefreshToken: ({ refreshToken, ...rest }) =>
      call(async () => {
        allFieldsUsed(rest);
        const rotated = await users.rotateRefreshToken(refreshToken);
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

/** Domain errors carry messages written for clients; anything else is left to the error middleware. */
async function call<T>(endpoint: () => Promise<T>): Promise<T> {
  try {
    return await endpoint();
  } catch (error) {
    throw error instanceof UsersError ? toServerError(error) : error;
  }
}

/** A domain error about one input field carries it as a google.rpc.BadRequest field violation. */
function toServerError(error: UsersError): ServerError {
  return serverError(STATUS[error.code], error.message, error.field);
}

function toProto(user: User): ProtoUser {
  return { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt.toISOString() };
}

function toProtoToken(token: IssuedRefreshToken) {
  return { token: token.token, expiresAt: token.expiresAt.toISOString() };
}
