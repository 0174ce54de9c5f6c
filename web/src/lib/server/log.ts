// The web server's logger: the platform's JSON lines (pino), each written during a request carrying
// its trace_id and span_id, like every other process.
import { createLogger } from '@app/platform/logging';

export const logger = createLogger('web');
