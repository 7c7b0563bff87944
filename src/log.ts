import { pino, type Logger } from 'pino';

export type Log = Logger;

/**
 * The process's logger, shared by the HTTP server (Fastify's request loggers are its children) and the background work.
 * @example const log = createLog(config.logLevel); log.info({ role }, 'assay started');
 */
export function createLog(level: string): Log {
  return pino({ level });
}
