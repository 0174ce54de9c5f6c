// The public boundary of the users service: its generated gRPC client definition and message types,
// and the limits its requests must keep (plain constants, for the gateway's request schemas); nothing
// else. Other services and the gateway import only this.
export {
  UsersServiceDefinition,
  type CreateUserRequest,
  type CreateUserResponse,
  type GetUserByEmailRequest,
  type GetUserByEmailResponse,
  type GetUserRequest,
  type GetUserResponse,
  type GetUsersRequest,
  type GetUsersResponse,
  type IssueRefreshTokenRequest,
  type IssueRefreshTokenResponse,
  type LogInRequest,
  type LogInResponse,
  type RefreshToken,
  type RevokeRefreshTokenRequest,
  type RevokeRefreshTokenResponse,
  type RotateRefreshTokenRequest,
  type RotateRefreshTokenResponse,
  type User,
  type UsersServiceClient,
  type VerifyCredentialsRequest,
  type VerifyCredentialsResponse,
} from './gen/users/v1/users.js';
export { USER_LIMITS } from './limits.js';
