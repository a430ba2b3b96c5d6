// What `--db` names: a SQLite file (the default) or a PostgreSQL server. Pure: no driver here, so
// the CLI, the server and the admin console can all decide before loading an engine.

/** Where a bank lives: a SQLite file, or a PostgreSQL database (`display` is safe to print). */
export type DbTarget =
  { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; display: string };

/** Shown in place of a password. */
export const PASSWORD_MASK = '***';

/** `postgres://` or `postgresql://`, in any case: libpq accepts both schemes. */
const POSTGRES_SCHEME = /^postgres(?:ql)?:\/\//i;

/** A postgres URL's user info up to the last `@` of the word: the user, then the password. */
const URL_PASSWORD = /(postgres(?:ql)?:\/\/[^\s:/?#@]*):\S*@/gi;

/** libpq also takes the password as a query parameter (`?password=…`). */
const QUERY_PASSWORD = /([?&]password=)[^&#\s]*/gi;

/** Tells a PostgreSQL URL from a SQLite file path, as every `--db` option reads it. */
export function parseDbTarget(text: string): DbTarget {
  if (!POSTGRES_SCHEME.test(text)) return { kind: 'sqlite', file: text };
  return { kind: 'postgres', url: text, display: displayUrl(text) };
}

/**
 * The URL with any password masked; text that is no URL is masked by pattern instead. libpq's
 * multi-host form (`h1:5432,h2:5433`) is no WHATWG URL once a port is given: by pattern, too.
 */
function displayUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return maskSecrets(text);
  }
  if (url.password !== '') url.password = PASSWORD_MASK;
  url.search = url.search.replace(QUERY_PASSWORD, `$1${PASSWORD_MASK}`);
  return url.href;
}

/**
 * Masks the password of every postgres URL inside a text (an error message, a log line), the
 * multi-host form's too (one user info before the host list). Where a password's end is unclear
 * (an `@` in it), it masks up to the word's last `@`: too much rather than too little.
 */
export function maskSecrets(text: string): string {
  return text
    .replace(URL_PASSWORD, `$1:${PASSWORD_MASK}@`)
    .replace(QUERY_PASSWORD, `$1${PASSWORD_MASK}`);
}

/** A database as it may be printed: the file path, or the URL with its password masked. */
export function targetName(target: DbTarget): string {
  return target.kind === 'sqlite' ? target.file : target.display;
}

/** What `--db` names, as it may be printed (logs, errors, admin output). */
export function dbName(db: string): string {
  return targetName(parseDbTarget(db));
}
