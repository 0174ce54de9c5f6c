// The UserDirectory adapter: the users service over gRPC, through its public client (`@app/users`).
import type { ServiceClient } from '@app/platform';
import type { UsersServiceDefinition } from '@app/users';
import { ClientError, Status } from 'nice-grpc-common';
import { UnavailableError, type DirectoryUser, type UserDirectory } from './service.js';

export interface GrpcUserDirectoryOptions {
  /** Deadline of each call to the users service, in milliseconds. */
  timeoutMs?: number;
}

export class GrpcUserDirectory implements UserDirectory {
  readonly #timeoutMs: number;

  constructor(
    private readonly users: ServiceClient<typeof UsersServiceDefinition>['client'],
    options: GrpcUserDirectoryOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? 2_000;
  }

  async findByEmail(email: string, signal?: AbortSignal): Promise<DirectoryUser | null> {
    try {
      // The caller's signal: a cancelled request cancels this call too. The deadline: a users service
      // that is stuck fails this call in time instead of holding the request.
      const { user } = await this.users.getUserByEmail({ email }, { signal, deadline: this.#timeoutMs });
      return user ? { id: user.id, email: user.email } : null;
    } catch (error) {
      if (error instanceof ClientError && error.code === Status.NOT_FOUND) return null;
      if (
        error instanceof ClientError &&
        (error.code === Status.UNAVAILABLE || error.code === Status.DEADLINE_EXCEEDED)
      ) {
        throw new UnavailableError();
      }
      throw error;
    }
  }
}
