/**
 * stdout belongs to the MCP protocol, so every log line goes to stderr (or wherever the
 * composition root points it). Injected, never imported as a global.
 *
 * Log lines carry text a client chose (a refused Origin or Host header, a session id, a tool
 * name in an error, a sandbox's stderr), and an operator reads them in a terminal, which obeys
 * control characters: C1 controls (U+009B is CSI), escape sequences, bidi overrides that reorder
 * what is shown. So every line is made safe here, once, with the CLI's own terminalSafe()
 * (`chameleon logs` uses it too), rather than at each call site, where one would be forgotten.
 */
import { terminalSafe } from './terminal-text.js';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createStderrLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (at: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[at] < ORDER[level]) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : '';
    write(`[chameleon] ${at}: ${safeText(`${message}${extra}`)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * `text` without escape sequences or control characters but \n and \t (a sandbox's stderr is
 * logged as several lines). Continuation lines are indented, so that none of them can pass for
 * a log line of its own (`[chameleon] error: ...`).
 */
function safeText(text: string): string {
  return terminalSafe(text, { multiline: true }).replace(/\n/g, '\n  ');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v));
  } catch {
    return '[unserialisable fields]';
  }
}
