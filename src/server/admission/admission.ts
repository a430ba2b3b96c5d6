import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import { Code } from '../../protocol/codes.js';
import { encodeReply } from '../../protocol/encode.js';
import { AcceptGate } from './accept-gate.js';
import { addressGroup, wideAddressGroup } from './address-group.js';
import type { ServerConfig } from '../config.js';
import { ConnectRate } from './connect-rate.js';
import { createTrust, type TrustTest } from './trust.js';
import { REFUSALS_OPEN_MAX } from './fd-headroom.js';

/** How long a plain-TCP refusal waits for its peer to read the `91` before the socket goes. */
const REFUSAL_LINGER_MS = 1000;
/** A group's per-group cap is logged at most once in this long. */
const GROUP_CAP_LOG_MS = 60_000;
/** Groups whose per-group cap log time is remembered. */
const GROUP_CAP_LOGGED_MAX = 10_000;
const UNAVAILABLE = encodeReply({ kind: 'bare', code: Code.unavailable });

/** A socket that passed the limits, ready for the protocol, and when its TCP connect came. */
export interface Admitted {
  socket: net.Socket;
  address: string;
  acceptedAt: number;
}

/** What admission needs: the bounds, the effective connection cap, a clock and the log. */
export interface AdmissionOptions {
  config: ServerConfig;
  connectionsMax: number;
  nowMs: () => number;
  log: (line: string) => void;
  /** Counts a connection turned away, by the limit that refused it (metrics). */
  refused: (reason: RefusalReason) => void;
  /** Counts a group first limited in a window (metrics), as the log line says so. */
  limited?: (reason: 'connect-rate' | 'max-connections-per-group') => void;
  /**
   * Closes the oldest served connection that has not logged in, to make room for a new one;
   * returns its socket, or undefined when every connection is in a session.
   */
  evictAnonymous?: () => net.Socket | undefined;
}

/** The limit that turned a connection away. */
export type RefusalReason =
  | 'connect-rate'
  | 'max-connections'
  | 'max-connections-per-peer'
  | 'handshake-evicted'
  | 'anonymous-evicted';

/** A TLS handshake in progress: its raw socket and its deadline timer. */
interface Handshake {
  raw: net.Socket;
  timer: NodeJS.Timeout;
  /** Gives the connection's slot back now (once; the socket's close would too). */
  release: () => void;
}

/**
 * Every accepted TCP connection passes here before anything else is done for it (PROTOCOL.md §2,
 * §7): the connect rate of its address group, then the caps. A refused socket is closed at once
 * (with a `91` on plain TCP; a TLS client could not read it). An admitted TLS socket holds its
 * slot while it handshakes, and is closed if the handshake is not done by its deadline.
 */
export class Admission {
  private readonly gate: AcceptGate;
  private readonly rate: ConnectRate;
  /** The server's certificate and key, when it speaks TLS. */
  private readonly secureContext: tls.SecureContext | null;
  private readonly handshakes = new Set<Handshake>();
  /** The slot release of every served socket, for an eviction to give the slot back at once. */
  private readonly releases = new Map<net.Socket, () => void>();
  private refusing = 0;
  /** Networks exempt from the per-group cap and the connect rate (`--trust`). */
  private readonly trusted: TrustTest;
  /** When each group's per-group cap refusal was last logged (at most once a window each). */
  private readonly capLoggedMs = new Map<string, number>();

  constructor(
    private readonly options: AdmissionOptions,
    private readonly serve: (admitted: Admitted) => void,
  ) {
    const { config, connectionsMax } = options;
    const perGroupMax = Math.min(config.connectionsPerGroupMax, connectionsMax);
    this.gate = new AcceptGate(connectionsMax, perGroupMax);
    this.rate = new ConnectRate(config.connectsPerGroupPerSecond, config.connectBanMs);
    this.trusted = createTrust(config.trust);
    this.secureContext = config.tls ? createSecureContext(config.tls) : null;
  }

  /** Admits or refuses one raw TCP connection, as the listener hands it over. */
  accept(raw: net.Socket): void {
    raw.on('error', () => {}); // a reset is an ordinary end: 'close' follows
    const address = raw.remoteAddress;
    if (address === undefined) return void raw.destroy(); // gone before it was accepted
    const group = addressGroup(address);
    const nowMs = this.options.nowMs();
    const trusted = this.trusted(address);
    const verdict = trusted ? 'ok' : this.rate.admit(group, wideAddressGroup(address), nowMs);
    if (verdict !== 'ok') {
      if (verdict === 'newly-banned') this.logBan(group, wideAddressGroup(address));
      return this.refuse(raw, 'connect-rate');
    }
    if (this.gate.size >= this.gate.totalMax) this.makeRoom();
    const full = this.gate.size >= this.gate.totalMax;
    if (!this.gate.take(group, !trusted)) {
      if (!full) this.logGroupCap(group, nowMs);
      return this.refuse(raw, full ? 'max-connections' : 'max-connections-per-peer');
    }
    const release = this.slotRelease(group);
    raw.once('close', release);
    if (this.secureContext) return this.startHandshake(this.secureContext, raw, nowMs, release);
    this.serveWithSlot(raw, release, { socket: raw, address, acceptedAt: nowMs });
  }

  /** Serves a socket, remembering its slot's release until the raw connection closes. */
  private serveWithSlot(raw: net.Socket, release: () => void, admitted: Admitted): void {
    this.releases.set(admitted.socket, release);
    raw.once('close', () => this.releases.delete(admitted.socket));
    this.serve(admitted);
  }

  /**
   * With every slot taken, a new connection takes the slot of the oldest that has not logged in
   * (PROTOCOL.md §7): a TLS handshake still in progress first, then a served connection before
   * its LOGIN. Held slots then cost an attacker a connect each, and cannot keep customers out.
   */
  private makeRoom(): void {
    if (this.evictOldestHandshake()) return;
    const socket = this.options.evictAnonymous?.();
    if (socket === undefined) return;
    this.releases.get(socket)?.();
    this.releases.delete(socket);
    this.options.refused('anonymous-evicted');
  }

  /** Gives a group's slot back, once, whichever comes first: an eviction or the socket's close. */
  private slotRelease(group: string): () => void {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.gate.give(group);
    };
  }

  /**
   * With every slot taken, the oldest TLS handshake still in progress makes room (PROTOCOL.md
   * §7): a customer's handshake takes milliseconds, so sockets that never handshake are the
   * oldest, and they cannot keep a new connection out.
   */
  private evictOldestHandshake(): boolean {
    const oldest = this.handshakes.values().next().value;
    if (oldest === undefined) return false;
    this.handshakes.delete(oldest);
    clearTimeout(oldest.timer);
    oldest.release();
    oldest.raw.destroy();
    this.options.refused('handshake-evicted');
    return true;
  }

  /** Forgets connect-rate windows that are over; called by the server's sweep. */
  sweep(nowMs: number): void {
    this.rate.sweep(nowMs);
  }

  /** Ends every handshake still in progress (server shutdown). */
  close(): void {
    this.handshakes.forEach((handshake) => handshake.raw.destroy());
  }

  /** One line per ban, not one per connect refused; names the shared window if it was one. */
  private logBan(group: string, wide: string): void {
    const { connectsPerGroupPerSecond, connectBanMs } = this.options.config;
    const counter = this.rate.counterOf(group, wide);
    const name = counter === group ? group : `${group} (counted in ${counter})`;
    this.options.limited?.('connect-rate');
    this.options.log(
      `${name} banned for ${connectBanMs / 1000} s: over ` +
        `${connectsPerGroupPerSecond} connects in a second (--max-connects-per-second, --trust)`,
    );
  }

  /**
   * The group's first connection turned away by the per-group cap is logged, then at most once
   * a window (GROUP_CAP_LOG_MS); the groups remembered are bounded, the oldest forgotten first.
   */
  private logGroupCap(group: string, nowMs: number): void {
    const lastMs = this.capLoggedMs.get(group);
    if (lastMs !== undefined && nowMs - lastMs < GROUP_CAP_LOG_MS) return;
    this.capLoggedMs.delete(group);
    if (this.capLoggedMs.size >= GROUP_CAP_LOGGED_MAX) {
      this.capLoggedMs.delete(this.capLoggedMs.keys().next().value!);
    }
    this.capLoggedMs.set(group, nowMs);
    this.options.limited?.('max-connections-per-group');
    this.options.log(
      `${group} limited: ${this.gate.perGroupMax} connections open from it; ` +
        'new ones turned away (--max-connections-per-peer, --trust)',
    );
  }

  /**
   * Speaks TLS on an admitted raw socket, with a deadline from the accept to the end of the
   * handshake. Everything is tied to this socket's own objects, never to its address and port.
   */
  private startHandshake(
    context: tls.SecureContext,
    raw: net.Socket,
    acceptedAt: number,
    release: () => void,
  ): void {
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    const timer = setTimeout(() => raw.destroy(), this.options.config.handshakeMsMax);
    timer.unref();
    const handshake = { raw, timer, release };
    this.handshakes.add(handshake);
    const end = (): void => {
      clearTimeout(handshake.timer);
      this.handshakes.delete(handshake);
    };
    raw.once('close', end);
    socket.on('error', () => socket.destroy()); // a failed handshake only ends that socket
    socket.once('secure', () => {
      if (raw.destroyed || socket.destroyed) return void socket.destroy(); // its deadline passed
      end();
      const admitted = { socket, address: socket.remoteAddress ?? 'unknown', acceptedAt };
      this.serveWithSlot(raw, release, admitted);
    });
  }

  /**
   * Turns a socket away: on plain TCP a `91`, then a second for the peer to read it, while
   * REFUSALS_OPEN_MAX sockets or fewer wait so; otherwise (and always under TLS) closed at once.
   */
  private refuse(raw: net.Socket, reason: RefusalReason): void {
    this.options.refused(reason);
    if (!this.secureContext) raw.end(UNAVAILABLE);
    if (this.secureContext || this.refusing >= REFUSALS_OPEN_MAX) return void raw.destroy();
    this.refusing += 1;
    raw.once('close', () => (this.refusing -= 1));
    setTimeout(() => raw.destroy(), REFUSAL_LINGER_MS).unref();
  }
}

/** The server's certificate and key, read from their files (a bad one throws). */
function createSecureContext(files: { certFile: string; keyFile: string }): tls.SecureContext {
  return tls.createSecureContext({
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
  });
}
