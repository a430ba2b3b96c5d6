import { assert } from '../assert.js';

const WINDOW_MS = 60_000;
/** Peers remembered at once; past this the oldest windows are dropped, so memory stays bounded. */
const PEERS_MAX = 10_000;

/**
 * Counts failed logins per peer address in one-minute windows, so a guesser that opens new
 * connections still runs out of tries (PROTOCOL.md §5.2).
 */
export class LoginLimiter {
  private windows = new Map<string, { startMs: number; failures: number }>();

  constructor(private readonly failuresPerMinute: number) {
    assert(failuresPerMinute >= 1, 'at least one failure is allowed per minute');
  }

  /** True while the peer has used up its failed logins for the current minute. */
  isLimited(peer: string, nowMs: number): boolean {
    const window = this.windows.get(peer);
    return window !== undefined && nowMs - window.startMs < WINDOW_MS &&
      window.failures >= this.failuresPerMinute;
  }

  /** Counts one failed login for the peer. */
  recordFailure(peer: string, nowMs: number): void {
    const window = this.windows.get(peer);
    if (window && nowMs - window.startMs < WINDOW_MS) {
      window.failures += 1;
      return;
    }
    this.windows.delete(peer);
    if (this.windows.size >= PEERS_MAX) this.dropOldest();
    this.windows.set(peer, { startMs: nowMs, failures: 1 });
  }

  /** Forgets the oldest tenth of the peers (Map keeps insertion order). */
  private dropOldest(): void {
    let drop = Math.ceil(PEERS_MAX / 10);
    for (const peer of this.windows.keys()) {
      if (drop-- <= 0) break;
      this.windows.delete(peer);
    }
  }
}
