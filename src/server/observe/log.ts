import pino, { type Logger } from 'pino';
import { formatCents } from '../../money.js';

export type { Logger } from 'pino';

/** The levels `--log-level` accepts, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `text`: one readable line per event; `json`: one JSON object per line, for log collectors. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where log lines go: stdout unless a test or caller says otherwise. */
export type LogSink = (line: string) => void;

/** The server's log, and the few lines printed at every level (`listening on …`). */
export interface ServerLog {
  logger: Logger;
  /** A line scripts wait for: bare text, or an info-level JSON line, whatever the level. */
  announce(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * The server's logger: pino (fast, structured, levelled) writing to stdout, in pino's JSON or,
 * for people, in the text form of textLine(). Writes to a stdout that went away are dropped
 * (see ignoreBrokenOutput), so logging can never stop the server.
 */
export function createServerLog(
  level: LogLevel,
  format: LogFormat,
  sink: LogSink = toStdout,
): ServerLog {
  const write = format === 'json' ? sink : (line: string) => sink(textLine(line));
  const logger = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  );
  const always = logger.child({}, { level: 'info' });
  const announce = (msg: string, fields: Record<string, unknown> = {}): void => {
    if (format === 'json') always.info(fields, msg);
    else sink(`${msg}\n`);
  };
  return { logger, announce };
}

/** Writes to stdout, ignoring a stream that is already gone (EPIPE). */
function toStdout(line: string): void {
  if (!process.stdout.destroyed) process.stdout.write(line);
}

/**
 * A server must not die because its output went away (a closed pipe, `| tee` killed by Ctrl-C):
 * errors on stdout and stderr (EPIPE, ERR_STREAM_DESTROYED) are ignored from then on.
 */
export function ignoreBrokenOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') === 0) stream.on('error', () => {});
  }
}

const TEXT_KEYS_SKIPPED = new Set(['level', 'time', 'msg']);

/**
 * A pino JSON line as a person reads it:
 * `2026-11-30T21:10:00.123Z info  request conn=3000001 op=withdraw code=00 amount=$20.00 ms=1.2`.
 */
export function textLine(json: string): string {
  const record = JSON.parse(json) as Record<string, unknown>;
  const fields = Object.entries(record)
    .filter(([key, value]) => !TEXT_KEYS_SKIPPED.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => textField(key, value));
  const level = String(record.level).padEnd(5);
  const head = `${String(record.time)} ${level} ${String(record.msg ?? '')}`;
  return `${[head, ...fields].join(' ')}\n`;
}

/** One `key=value`, with cents as dollars, codes as the protocol writes them, spaces quoted. */
function textField(key: string, value: unknown): string {
  if (key === 'amount_cents' && typeof value === 'number') return `amount=${formatCents(value)}`;
  if (key === 'code' && typeof value === 'number') return `code=${String(value).padStart(2, '0')}`;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
}
