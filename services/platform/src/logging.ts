// Logging for a process that needs nothing else of the platform (the web server): JSON lines with the
// trace context, and what to do on an error nobody handled. Light: no gRPC, database or SDK imports.
export { createLogger, type Logger } from './logger.js';
export { exitOnFatalError, type Stop } from './fatal.js';
