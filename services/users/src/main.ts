// The users process: configuration, database, gRPC server, graceful stop. Wiring only.
import { createGrpcServer, env, loadConfig, openDatabase, runProcess } from '@app/platform';
import { migrations } from '../migrations/index.js';
import { PostgresAttemptCounter, PostgresRefreshTokenRepository, PostgresUserRepository } from './db.js';
import { entities } from './entities.js';
import { UsersServiceDefinition } from './gen/users/v1/users.js';
import { createUsersHandler } from './handler.js';
import { BoundedPasswordHasher, passwordHasher } from './password.js';
import { RefreshTokenPurge, schedulePurge } from './purge.js';
import { UserService } from './service.js';
import { Throttle } from './throttle.js';

await runProcess('users', async (logger) => {
  const config = loadConfig({
    PORT: env.port(50051),
    HOST: env.string({ default: '0.0.0.0' }),
    DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
    // npm run dev migrates at start; in production the migrate command does (this only checks).
    MIGRATE_ON_START: env.boolean({ dev: true, production: false }),
    REFRESH_TOKEN_TTL_DAYS: env.int({ default: 30, min: 1, max: 365 }),
    // Password hashing is Argon2id. PASSWORD_HASH_COST 17 (the default) is OWASP's m = 19 MiB, t = 2,
    // p = 1; each step down halves the memory (tests use 12 for speed); production keeps 17.
    PASSWORD_HASH_COST: env.int({ default: 17, min: 12, max: 20 }),
    // At most this many hashes at once, and this many log-ins/sign-ups waiting for one; beyond, a call
    // is refused with UNAVAILABLE (503) at once. Hashing then holds at most CONCURRENCY × 19 MiB
    // (2 × 19 MiB = 38 MiB by default) besides the process's own ~120 MiB; see BENCHMARKS.md.
    PASSWORD_HASH_CONCURRENCY: env.int({ default: 2, min: 1, max: 64 }),
    PASSWORD_HASH_QUEUE: env.int({ default: 64, min: 0, max: 10_000 }),
    // Expired and long-revoked refresh tokens are deleted this often (bounded batches); 0: never.
    REFRESH_TOKEN_PURGE_INTERVAL_SECONDS: env.int({ default: 3_600, min: 0 }),
    // A refresh token presented again this soon after its rotation gets the same successor
    // (concurrent refreshes); later, it revokes the session.
    REFRESH_REUSE_GRACE_SECONDS: env.int({ default: 10, min: 0, max: 300 }),
    // Throttling, counted in the database (shared by every replica): per window, failed log-ins per
    // account and per client IP, sign-ups and refreshes per client IP.
    AUTH_THROTTLE_WINDOW_SECONDS: env.int({ default: 600, min: 1 }),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: env.int({ default: 10, min: 1 }),
    LOGIN_MAX_FAILURES_PER_IP: env.int({ default: 100, min: 1 }),
    SIGNUP_MAX_PER_IP: env.int({ default: 100, min: 1 }),
    REFRESH_MAX_PER_IP: env.int({ default: 600, min: 1 }),
  });
  const orm = await openDatabase({
    url: config.DATABASE_URL,
    entities,
    migrations,
    logger,
    schema: config.MIGRATE_ON_START ? 'migrate' : 'check',
  });
  const users = new UserService({
    users: new PostgresUserRepository(orm),
    tokens: new PostgresRefreshTokenRepository(orm),
    hasher: new BoundedPasswordHasher(passwordHasher(config.PASSWORD_HASH_COST), {
      concurrency: config.PASSWORD_HASH_CONCURRENCY,
      maxQueued: config.PASSWORD_HASH_QUEUE,
    }),
    refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
    refreshGraceMs: config.REFRESH_REUSE_GRACE_SECONDS * 1000,
    throttle: new Throttle(new PostgresAttemptCounter(orm), {
      windowMs: config.AUTH_THROTTLE_WINDOW_SECONDS * 1000,
      loginFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
      signupsPerIp: config.SIGNUP_MAX_PER_IP,
      refreshesPerIp: config.REFRESH_MAX_PER_IP,
    }),
  });

  const purge =
    config.REFRESH_TOKEN_PURGE_INTERVAL_SECONDS > 0
      ? schedulePurge(
          new RefreshTokenPurge(new PostgresRefreshTokenRepository(orm)),
          config.REFRESH_TOKEN_PURGE_INTERVAL_SECONDS * 1000,
          logger,
        )
      : undefined;

  const grpc = createGrpcServer(logger);
  grpc.server.add(UsersServiceDefinition, createUsersHandler(users));
  const port = await grpc.listen(config.HOST, config.PORT);
  logger.info({ port }, 'listening');

  return async () => {
    await grpc.shutdown();
    await purge?.stop();
    await orm.close();
  };
});
