export { ConfigError, env, isProduction, loadConfig, type ConfigOf, type Variable } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { runProcess, type Stop } from './process.js';
export { callLogMiddleware, createGrpcServer, errorMiddleware, type GrpcServer } from './grpc/server.js';
export {
  createServiceClient,
  DEFAULT_TIMEOUT_MS,
  HealthDefinition,
  isServing,
  type ServiceClient,
  type ServiceClientOptions,
} from './grpc/client.js';
export { CALLER_ID_METADATA_KEY, callerMetadata, requireCallerId } from './grpc/identity.js';
export {
  databaseConfig,
  isConnectionError,
  openDatabase,
  type DatabaseOptions,
  type MikroORM,
} from './db.js';
export { databaseUrl, ensureDatabase, freePort, startLocalPostgres, type LocalPostgres } from './postgres.js';
