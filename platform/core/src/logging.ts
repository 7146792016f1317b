import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

const destinations = new WeakMap<Logger, ReturnType<typeof pino.destination>>();

/** Application logs go to their own directory (SHEQU_LOG_DIR), apart from business data; errors are echoed to stderr. */
export function createLogger(logDir: string, level: string, name = 'shequ'): Logger {
  mkdirSync(logDir, { recursive: true });
  const file = pino.destination({ dest: join(logDir, `${name}.log`), sync: false, mkdir: true });
  const log = pino(
    {
      level,
      base: { pid: process.pid, role: name },
      redact: ['req.headers.cookie', 'req.headers.authorization', '*.password'],
    },
    pino.multistream([
      { stream: file, level: level as pino.Level },
      { stream: process.stderr, level: 'error' },
    ]),
  );
  destinations.set(log, file);
  return log;
}

/** Writes out what the asynchronous file destination still buffers; call before the process ends. */
export function flushLogger(log: Logger): void {
  try {
    destinations.get(log)?.flushSync();
  } catch {
    // the destination is not open yet, so it holds nothing
  }
}

export type { Logger };
