// The __kebab__ process: configuration, database, gRPC server, graceful stop. Wiring only.
import { createGrpcServer, env, loadConfig, openDatabase, runProcess } from '@app/platform';
import { migrations } from '../migrations/index.js';
import { PostgresItemRepository } from './db.js';
import { entities } from './entities.js';
import { __Pascal__ServiceDefinition } from './gen/__snake__/v1/__snake__.js';
import { create__Pascal__Handler } from './handler.js';
import { ItemService } from './service.js';

await runProcess('__kebab__', async (logger) => {
  const config = loadConfig({
    PORT: env.port(__port__),
    HOST: env.string({ default: '0.0.0.0' }),
    DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
    // npm run dev migrates at start; in production the migrate command does (this only checks).
    MIGRATE_ON_START: env.boolean({ dev: true, production: false }),
  });
  const orm = await openDatabase({
    url: config.DATABASE_URL,
    entities,
    migrations,
    logger,
    schema: config.MIGRATE_ON_START ? 'migrate' : 'check',
  });
  const items = new ItemService({ items: new PostgresItemRepository(orm) });

  const grpc = createGrpcServer(logger);
  grpc.server.add(__Pascal__ServiceDefinition, create__Pascal__Handler(items));
  const port = await grpc.listen(config.HOST, config.PORT);
  logger.info({ port }, 'listening');

  return async () => {
    await grpc.shutdown();
    await orm.close();
  };
});
