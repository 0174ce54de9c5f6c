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
/** Ids per GetUsers call (the users service's limit). */
const GET_USERS_MAX = 100;

export class GrpcUserDirectory implements UserDirectory {
  constructor(
    private readonly users: UsersClient,
    private readonly options: GrpcUserDirectoryOptions = {},
  ) {}

  findByEmail(email: string, signal?: AbortSignal): Promise<DirectoryUser | null> {
    return this.#lookup((options) => this.users.getUserByEmail({ email }, options), signal);
  }

  async findByIds(ids: string[], signal?: AbortSignal): Promise<DirectoryUser[]> {
    // GetUsers takes at most 100 ids: one call per 100 (a note shared with more is rare).
    const batches = Array.from({ length: Math.ceil(ids.length / GET_USERS_MAX) }, (_, i) =>
      ids.slice(i * GET_USERS_MAX, (i + 1) * GET_USERS_MAX),
    );
    const answers = await Promise.all(
      batches.map((batch) => this.#call((options) => this.users.getUsers({ ids: batch }, options), signal)),
    );
    return answers.flatMap(({ users }) => users.map((user) => ({ id: user.id, email: user.email })));
  }

  async #lookup(
    call: (options: {
      signal?: AbortSignal;
      deadline: number;
    }) => Promise<{ user?: DirectoryUser | undefined }>,
    signal?: AbortSignal,
  ): Promise<DirectoryUser | null> {
    try {
      const { user } = await this.#call(call, signal);
      return user ? { id: user.id, email: user.email } : null;
    } catch (error) {
      // An email the users service refuses as malformed belongs to no user.
      if (error instanceof ClientError && [Status.NOT_FOUND, Status.INVALID_ARGUMENT].includes(error.code))
        return null;
      throw error;
    }
  }

  async #call<T>(
    call: (options: { signal?: AbortSignal; deadline: number }) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      // The caller's signal: a cancelled request cancels this call too. The deadline: a users service
      // that is stuck fails this call in time instead of holding the request.
      const deadline = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      return await call({ signal, deadline });
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      const down = error.code === Status.UNAVAILABLE || error.code === Status.DEADLINE_EXCEEDED;
      if (down) throw new UnavailableError();
      throw error;
    }
  }
}
