// The notes process: configuration, database, users client, gRPC server, graceful stop. Wiring only.
import {
  createGrpcServer,
  createServiceClient,
  env,
  loadConfig,
  openDatabase,
  runProcess,
} from '@app/platform';
import { UsersServiceDefinition } from '@app/users';
import { migrations } from '../migrations/index.js';
import { PostgresNoteRepository } from './db.js';
import { entities } from './entities.js';
import { NotesServiceDefinition } from './gen/notes/v1/notes.js';
import { createNotesHandler } from './handler.js';
import { NoteService } from './service.js';
import { GrpcUserDirectory } from './users.js';

await runProcess('notes', async (logger) => {
  const config = loadConfig({
    PORT: env.port(50052),
    HOST: env.string({ default: '0.0.0.0' }),
    DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
    // npm run dev migrates at start; in production the migrate command does (this only checks).
    MIGRATE_ON_START: env.boolean({ dev: true, production: false }),
    USERS_ADDR: env.address({ devDefault: '127.0.0.1:50051' }),
  });
  const orm = await openDatabase({
    url: config.DATABASE_URL,
    entities,
    migrations,
    logger,
    schema: config.MIGRATE_ON_START ? 'migrate' : 'check',
  });
  const users = createServiceClient(UsersServiceDefinition, config.USERS_ADDR);
  const notes = new NoteService({
    notes: new PostgresNoteRepository(orm),
    users: new GrpcUserDirectory(users.client),
  });

  const grpc = createGrpcServer(logger);
  grpc.server.add(NotesServiceDefinition, createNotesHandler(notes));
  const port = await grpc.listen(config.HOST, config.PORT);
  logger.info({ port }, 'listening');

  return async () => {
    await grpc.shutdown();
    users.close();
    await orm.close();
  };
});
