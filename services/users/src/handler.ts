// The gRPC endpoints: proto request → domain call → proto response; domain errors → gRPC status.
import { ServerError, Status } from 'nice-grpc';
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

export function createUsersHandler(users: UserService): UsersServiceImplementation {
  return {
    createUser: ({ email, password, name }) =>
      call(async () => ({ user: toProto(await users.createUser({ email, password, name })) })),
    verifyCredentials: ({ email, password }) =>
      call(async () => ({ user: toProto(await users.verifyCredentials(email, password)) })),
    getUser: ({ id }) => call(async () => ({ user: toProto(await users.getUser(id)) })),
    getUserByEmail: ({ email }) => call(async () => ({ user: toProto(await users.getUserByEmail(email)) })),
    issueRefreshToken: ({ userId }) =>
      call(async () => ({ refreshToken: toProtoToken(await users.issueRefreshToken(userId)) })),
    rotateRefreshToken: ({ refreshToken }) =>
      call(async () => {
        const rotated = await users.rotateRefreshToken(refreshToken);
        return { userId: rotated.userId, refreshToken: toProtoToken(rotated.refreshToken) };
      }),
    revokeRefreshToken: ({ refreshToken }) =>
      call(async () => {
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

function toServerError(error: UsersError): ServerError {
  return new ServerError(STATUS[error.code], error.message);
}

function toProto(user: User): ProtoUser {
  return { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt.toISOString() };
}

function toProtoToken(token: IssuedRefreshToken) {
  return { token: token.token, expiresAt: token.expiresAt.toISOString() };
}
