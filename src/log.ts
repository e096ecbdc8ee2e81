/** JSON-lines logging to stderr: one object per line, machine-readable first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export const stderrLogger: Logger = {
  log(level, message, fields = {}) {
    if (level === 'debug' && !process.env.INKWELL_DEBUG) return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  },
};

export const silentLogger: Logger = { log() {} };
