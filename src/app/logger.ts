/** The process logger (pino, JSON lines on stdout). */
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

export function createLogger(level: LogLevel | 'silent'): Logger {
  return pino({ level, base: { service: 's3batch' } });
}
