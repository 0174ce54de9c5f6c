import type { Server } from 'nice-grpc';
import { createGrpcServer, createLogger, type Logger } from '@app/platform';

export interface TestGrpcServer {
  /** 127.0.0.1:<port> */
  address: string;
  shutdown(): Promise<void>;
}

/** A real gRPC server (the production bootstrap) on 127.0.0.1 and a free port. */
export async function startTestGrpcServer(
  register: (server: Server) => void,
  logger: Logger = createLogger('test', process.env.LOG_LEVEL ?? 'silent'),
): Promise<TestGrpcServer> {
  const grpc = createGrpcServer(logger);
  register(grpc.server);
  const port = await grpc.listen('127.0.0.1', 0);
  return { address: `127.0.0.1:${port}`, shutdown: () => grpc.shutdown(1_000) };
}
