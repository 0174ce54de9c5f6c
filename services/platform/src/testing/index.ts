export { createTestDatabase, type TestDatabase } from './postgres.js';
export { startTestGrpcServer, type TestGrpcServer } from './grpc.js';
export { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from './process.js';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp.js';
