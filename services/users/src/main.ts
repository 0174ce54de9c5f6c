// The users process: configuration, database, gRPC server, graceful stop. Wiring only.
import { createGrpcServer, env, loadConfig, openDatabase, runProcess } from '@app/platform';
import { migrations } from '../migrations/index.js';
import { PostgresRefreshTokenRepository, PostgresUserRepository } from './db.js';
import { entities } from './entities.js';
import { UsersServiceDefinition } from './gen/users/v1/users.js';
import { createUsersHandler } from './handler.js';
import { ScryptPasswordHasher } from './password.js';
import { RefreshTokenPurge, schedulePurge } from './purge.js';
import { UserService } from './service.js';

await runProcess('users', async (logger) => {
  const config = loadConfig({
    PORT: env.port(50051),
    HOST: env.string({ default: '0.0.0.0' }),
    DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
    // npm run dev migrates at start; in production the migrate command does (this only checks).
    MIGRATE_ON_START: env.boolean({ dev: true, production: false }),
    REFRESH_TOKEN_TTL_DAYS: env.int({ default: 30, min: 1, max: 365 }),
    // scrypt cost as log2(N): 17 = 128 MiB and ~0.5 s per hash. Tests lower it; production keeps 17+.
    PASSWORD_HASH_COST: env.int({ default: 17, min: 12, max: 20 }),
    // Expired and long-revoked refresh tokens are deleted this often (bounded batches); 0: never.
    REFRESH_TOKEN_PURGE_INTERVAL_SECONDS: env.int({ default: 3_600, min: 0 }),
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
    hasher: new ScryptPasswordHasher({ log2N: config.PASSWORD_HASH_COST, r: 8, p: 1 }),
    refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
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
