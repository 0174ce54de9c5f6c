// Development and test tooling: a local Postgres from npm, test databases, free ports, real gRPC
// servers and service processes for tests, an OTLP receiver. Never a runtime dependency: every
// workspace lists @app/devkit under devDependencies, so a production install holds none of it.
export {
  ensureDatabase,
  dropDatabase,
  startLocalPostgres,
  type LocalPostgres,
  type LocalPostgresOptions,
} from './postgres.js';
export { freePort } from './ports.js';
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { startTestGrpcServer, type TestGrpcServer } from './grpc.js';
export { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from './process.js';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp.js';
export { recordFigure, type Figure } from './figures.js';
export * as fuzz from './fuzz.js';
