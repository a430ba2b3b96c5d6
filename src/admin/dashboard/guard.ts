import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** The cookie that carries the token after the first page load (`/?token=…`). */
export const TOKEN_COOKIE = 'bank_dashboard_token';

/** The token cookie stays with this page: no script reads it, no other site sends it. */
export const COOKIE_ATTRIBUTES = 'HttpOnly; SameSite=Strict; Path=/';

/**
 * Whether a --listen host reaches only this machine: `localhost`, 127.0.0.0/8 or ::1 (also as
 * ::ffff:127.x). Anything else (0.0.0.0, ::, an interface's address, another name) may be
 * reached from the network, and so needs a token.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (!isIPv6(bare)) return false;
  const mapped = /^::ffff:([0-9.]+)$/.exec(bare)?.[1];
  return bare === '::1' || mapped?.startsWith('127.') === true;
}

/** Refuses a listen address beyond this machine without a token, before anything is bound. */
export function checkListen(host: string, token: string | undefined): void {
  if (token?.length === 0) throw new Error('the dashboard token is empty');
  if (token === undefined && !isLoopbackHost(host)) {
    throw new Error(
      `--listen ${host} can be reached from other machines: give --token or ` +
        '--token-file too (or listen on 127.0.0.1)',
    );
  }
}

/** True when given equals expected; compared in constant time (over their SHA-256 digests). */
export function tokenMatches(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The token a request carries: `Authorization: Bearer …`, the cookie, or `?token=…`, in that
 * order; '' when none.
 */
export function requestToken(request: IncomingMessage, url: URL): string {
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return bearer;
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(value.join('='));
  }
  return url.searchParams.get('token') ?? '';
}
