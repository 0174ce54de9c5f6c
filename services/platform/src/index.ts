export { ConfigError, env, loadConfig, type ConfigOf, type Variable } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { runProcess, type Stop } from './process.js';
export { createGrpcServer, type GrpcServer } from './grpc/server.js';
export { allFieldsUsed, serverError, type Complete } from './grpc/fields.js';
export {
  createServiceClient,
  HealthDefinition,
  isServing,
  type ServiceClient,
  type ServiceClientOptions,
} from './grpc/client.js';
export {
  CALLER_ID_METADATA_KEY,
  CLIENT_IP_METADATA_KEY,
  callerMetadata,
  clientIpOf,
  requireCallerId,
} from './grpc/identity.js';
export {
  classifyDriverError,
  databaseConfig,
  isConnectionError,
  type DriverErrorKind,
  type DatabaseOptions,
  type MikroORM,
} from './db.js';
export { openDatabase, runMigrations, SchemaNotCurrentError, type OpenDatabaseOptions } from './migrate.js';
