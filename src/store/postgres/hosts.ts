// libpq's multi-host URL (`postgres://u:p@h1:5432,h2:5433/bank?target_session_attrs=read-write`)
// as node-postgres can take it: pg connects to one host, so the list becomes one single-host URL
// per host, in order, and what a server must be to be kept. Pure: no driver, no network.

/** What `target_session_attrs` asks of a server (libpq's values; `any` is the default). */
export const SESSION_ATTRS = [
  'any',
  'read-write',
  'read-only',
  'primary',
  'standby',
  'prefer-standby',
] as const;

export type SessionAttrs = (typeof SESSION_ATTRS)[number];

/** A `--db` URL taken apart: one URL per host, tried in this order, and the server wanted. */
export interface HostRoute {
  /** Single-host URLs, each the whole URL with the host list replaced by one host. */
  urls: string[];
  attrs: SessionAttrs;
  /** libpq's `connect_timeout`: how long one host may take to connect, if bounded. */
  connectTimeoutMs?: number;
}

/** What a connected server says of itself: `pg_is_in_recovery()`, `transaction_read_only`. */
export interface ServerState {
  inRecovery: boolean;
  readOnly: boolean;
}

/** The URL's scheme, as target.ts tells PostgreSQL from SQLite. */
const SCHEME = /^postgres(?:ql)?:\/\//i;

/**
 * Splits a postgres URL at its host list (`host[:port]` or `[ipv6][:port]`, comma-separated).
 * The authority ends at the first `/`, `?` or `#`, and its user info at the last `@`, as the
 * WHATWG URL parser that pg uses reads them; each host keeps its own spelling (brackets,
 * percent-encoding, port or none), so pg decodes it, and a host with no port gets pg's default.
 */
export function routeHosts(url: string): HostRoute {
  const scheme = SCHEME.exec(url)?.[0];
  if (scheme === undefined) throw new Error('not a postgres:// or postgresql:// URL');
  const rest = url.slice(scheme.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const userEnd = authority.lastIndexOf('@') + 1;
  const head = scheme + authority.slice(0, userEnd);
  const hosts = authority.slice(userEnd).split(',');
  const params = queryOf(tail);
  return {
    urls: hosts.map((host) => head + host + tail),
    attrs: sessionAttrsOf(params.get('target_session_attrs')),
    ...connectTimeoutOf(params.get('connect_timeout')),
  };
}

/** The query of a URL's tail (`/db?a=1#x`): the part between `?` and `#`. */
function queryOf(tail: string): URLSearchParams {
  const start = tail.indexOf('?');
  if (start < 0) return new URLSearchParams();
  const end = tail.indexOf('#', start);
  return new URLSearchParams(tail.slice(start + 1, end < 0 ? undefined : end));
}

/** target_session_attrs, checked: a misspelt value would silently take any server. */
function sessionAttrsOf(value: string | null): SessionAttrs {
  if (value === null || value === '') return 'any';
  const known = SESSION_ATTRS.find((attrs) => attrs === value);
  if (known === undefined) {
    throw new Error(`target_session_attrs=${value} is none of ${SESSION_ATTRS.join(', ')}`);
  }
  return known;
}

/** libpq's connect_timeout: whole seconds; 0, negative or none means wait as long as it takes. */
function connectTimeoutOf(value: string | null): { connectTimeoutMs?: number } {
  if (value === null || value === '') return {};
  const seconds = Number(value);
  if (!Number.isInteger(seconds)) throw new Error(`connect_timeout=${value} is no whole number`);
  // libpq: a value of 1 is taken as 2, as a timeout of one second is too short to be meant.
  return seconds <= 0 ? {} : { connectTimeoutMs: Math.max(seconds, 2) * 1000 };
}

/**
 * The tests a server must pass, one pass over the host list each: libpq's target_session_attrs.
 * Only prefer-standby has two: a standby if any host is one, else whatever answers.
 */
export function sessionPasses(attrs: SessionAttrs): ((state: ServerState) => boolean)[] {
  switch (attrs) {
    case 'any':
      return [() => true];
    case 'read-write':
      return [(state) => !state.inRecovery && !state.readOnly];
    case 'read-only':
      return [(state) => state.inRecovery || state.readOnly];
    case 'primary':
      return [(state) => !state.inRecovery];
    case 'standby':
      return [(state) => state.inRecovery];
    case 'prefer-standby':
      return [(state) => state.inRecovery, () => true];
    default: {
      const never: never = attrs;
      throw new Error(`unknown target_session_attrs ${String(never)}`);
    }
  }
}

/** What a server is, in words, for an error that says why none was kept. */
export function describeState(state: ServerState): string {
  if (state.inRecovery) return 'a standby';
  return state.readOnly ? 'a read-only primary' : 'a read-write primary';
}
