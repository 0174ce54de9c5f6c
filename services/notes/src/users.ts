// The UserDirectory adapter: the users service over gRPC, through its public client (`@app/users`).
import type { ServiceClient } from '@app/platform';
import type { UsersServiceDefinition } from '@app/users';
import { ClientError, Status } from 'nice-grpc-common';
import { UnavailableError, type DirectoryUser, type UserDirectory } from './service.js';

type UsersClient = ServiceClient<typeof UsersServiceDefinition>['client'];

export interface GrpcUserDirectoryOptions {
  /** Deadline of each call to the users service, in milliseconds. */
  timeoutMs?: number;
}

/** A lookup is one indexed query: 2 s is ample, and well inside the gateway's own deadline. */
const DEFAULT_TIMEOUT_MS = 2_000;

export class GrpcUserDirectory implements UserDirectory {
  constructor(
    private readonly users: UsersClient,
    private readonly options: GrpcUserDirectoryOptions = {},
  ) {}

  findByEmail(email: string, signal?: AbortSignal): Promise<DirectoryUser | null> {
    return this.#lookup((options) => this.users.getUserByEmail({ email }, options), signal);
  }

  findById(id: string, signal?: AbortSignal): Promise<DirectoryUser | null> {
    return this.#lookup((options) => this.users.getUser({ id }, options), signal);
  }

  async #lookup(
    call: (options: {
      signal?: AbortSignal;
      deadline: number;
    }) => Promise<{ user?: DirectoryUser | undefined }>,
    signal?: AbortSignal,
  ): Promise<DirectoryUser | null> {
    try {
      // The caller's signal: a cancelled request cancels this call too. The deadline: a users service
      // that is stuck fails this call in time instead of holding the request.
      const deadline = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const { user } = await call({ signal, deadline });
      return user ? { id: user.id, email: user.email } : null;
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      if (error.code === Status.NOT_FOUND) return null;
      const down = error.code === Status.UNAVAILABLE || error.code === Status.DEADLINE_EXCEEDED;
      if (down) throw new UnavailableError();
      throw error;
    }
  }
}
