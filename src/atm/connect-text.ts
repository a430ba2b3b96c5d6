import { getSystemErrorMap } from 'node:util';
import { ConnectTimeout, type Endpoint } from './client.js';

/** getaddrinfo's answers for a name it could not turn into an address. */
const HOST_NOT_FOUND: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_FAIL']);

/**
 * One plain sentence on why the ATM could not reach the bank, from the error that stopped the
 * connection (or its cause): refused, unknown host, no answer in time, or the errno in words.
 */
export function describeConnectFailure(endpoint: Endpoint, error: unknown): string {
  const where = `${endpoint.host}:${endpoint.port}`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof ConnectTimeout) {
    const seconds = Math.round(cause.timeoutMs / 100) / 10;
    return `The bank at ${where} did not answer within ${seconds} s.`;
  }
  const { code, errno } = errorCodes(cause);
  if (code === 'ECONNREFUSED') return `No bank server at ${where} (connection refused).`;
  if (code !== undefined && HOST_NOT_FOUND.has(code)) return `Cannot find host ${endpoint.host}.`;
  if (code === 'EAI_AGAIN') {
    return `Cannot find host ${endpoint.host} (the name server did not answer; try again).`;
  }
  if (code === 'ETIMEDOUT') return `The bank at ${where} did not answer in time.`;
  return `Cannot reach the bank at ${where}: ${errnoWords(code, errno, cause)}.`;
}

/** The errno name and number a Node system error carries, where it has them. */
function errorCodes(error: unknown): { code?: string; errno?: number } {
  if (!(error instanceof Error)) return {};
  const { code, errno } = error as NodeJS.ErrnoException;
  return { code: typeof code === 'string' ? code : undefined, errno };
}

/** "no route to host (EHOSTUNREACH)": the system's words for an errno, else the message. */
function errnoWords(code: string | undefined, errno: number | undefined, error: unknown): string {
  const known = errno === undefined ? undefined : getSystemErrorMap().get(errno);
  if (known) return `${known[1]} (${known[0]})`;
  const message = error instanceof Error ? error.message : String(error);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}
