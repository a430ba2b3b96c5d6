import { EventEmitter, once } from 'node:events';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Admission } from '../../../src/server/admission/admission.js';
import { defaultServerConfig } from '../../../src/server/config.js';
import {
  CONNECT_GROUPS_MAX,
  CONNECT_WIDE_GROUPS_MAX,
} from '../../../src/server/admission/connect-rate.js';
import { parseCidrList } from '../../../src/server/admission/trust.js';
import { sleep } from '../../helpers/poll.js';

const HANDSHAKE_MS = 200;
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/tls/${name}`, import.meta.url));

/**
 * A raw connection from 127.0.0.1:40000 that starts a TLS record and then sends one byte of it
 * every 20 ms, so it is never idle and never finishes its handshake.
 */
function tricklingPeer(): net.Socket {
  const raw = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() });
  Object.assign(raw, { remoteAddress: '127.0.0.1', remotePort: 40000 });
  raw.push(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00]));
  const drip = setInterval(() => raw.push(Buffer.from([0])), 20);
  raw.once('close', () => clearInterval(drip));
  return raw as unknown as net.Socket;
}

describe('Admission over TLS', () => {
  const opened: net.Socket[] = [];
  afterEach(() => opened.splice(0).forEach((socket) => socket.destroy()));

  it('keeps each handshake deadline its own when two sockets share address and port', async () => {
    const config = {
      ...defaultServerConfig(':memory:'),
      handshakeMsMax: HANDSHAKE_MS,
      tls: { certFile: fixture('cert.pem'), keyFile: fixture('key.pem') },
    };
    const options = {
      config,
      connectionsMax: 10,
      nowMs: Date.now,
      log: () => {},
      refused: () => {},
    };
    const admission = new Admission(options, ({ socket }) => socket.destroy());
    const [first, second] = [tricklingPeer(), tricklingPeer()];
    opened.push(first, second);
    admission.accept(first);
    admission.accept(second);
    first.destroy(); // its close must not touch the second socket's deadline
    const closed = once(second, 'close').then(() => 'closed');
    const outcome = await Promise.race([closed, sleep(HANDSHAKE_MS * 10).then(() => 'open')]);
    expect(outcome).toBe('closed');
  });
});

describe('Admission over TLS with every slot taken', () => {
  it('closes the oldest unfinished handshake to make room for a new connection', async () => {
    const config = {
      ...defaultServerConfig(':memory:'),
      handshakeMsMax: 60_000,
      tls: { certFile: fixture('cert.pem'), keyFile: fixture('key.pem') },
    };
    const refused: string[] = [];
    const options = {
      config,
      connectionsMax: 2,
      nowMs: Date.now,
      log: () => {},
      refused: (reason: string) => refused.push(reason),
    };
    const admission = new Admission(options, ({ socket }) => socket.destroy());
    const peers = [tricklingPeer(), tricklingPeer(), tricklingPeer()];
    try {
      for (const peer of peers) admission.accept(peer);
      expect(peers.map((peer) => peer.destroyed)).toEqual([true, false, false]);
      expect(refused).toEqual(['handshake-evicted']);
    } finally {
      peers.forEach((peer) => peer.destroy());
      admission.close();
    }
  });
});

/** A plain-TCP raw socket from `address` that closes when destroyed, and takes what is written. */
class FakeRaw extends EventEmitter {
  destroyed = false;
  constructor(readonly remoteAddress: string) {
    super();
  }

  end(): void {}

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

describe('Admission connect rate', () => {
  it('logs a ban once, even when the banned window is shared by groups it does not track', () => {
    const config = { ...defaultServerConfig(':memory:'), connectsPerGroupPerSecond: 1 };
    const lines: string[] = [];
    const options = {
      config,
      connectionsMax: 100_000,
      nowMs: () => 0,
      log: (line: string) => lines.push(line),
      refused: () => {},
    };
    const admission = new Admission(options, () => {});
    const connect = (address: string): void =>
      admission.accept(new FakeRaw(address) as unknown as net.Socket);
    // Every /64 and /48 below is its own: they fill the group table, then the wide-group table.
    for (let i = 0; i < CONNECT_GROUPS_MAX + CONNECT_WIDE_GROUPS_MAX; i++) {
      connect(`2001:db8:${i.toString(16)}::1`);
    }
    expect(lines).toEqual([]);
    for (let i = 0; i < 50; i++) connect(`2001:db9:${i.toString(16)}::1`); // one shared window
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^2001:db9:1:0::\/64 \(counted in \(overflow\)\) banned for 10 s/);
  });
});

describe('Admission of trusted networks (--trust) and the per-group cap', () => {
  /** An admission with a per-group cap of 2 and the connect rate given, at time 0. */
  function admissionWith(
    trust: string,
    connectsPerGroupPerSecond = 100,
  ): {
    connect: (address: string) => FakeRaw;
    lines: string[];
    limited: string[];
    refused: string[];
  } {
    const config = {
      ...defaultServerConfig(':memory:'),
      connectionsPerGroupMax: 2,
      connectsPerGroupPerSecond,
      trust: trust === '' ? [] : parseCidrList(trust),
    };
    const lines: string[] = [];
    const limited: string[] = [];
    const refused: string[] = [];
    const options = {
      config,
      connectionsMax: 10,
      nowMs: () => 0,
      log: (line: string) => lines.push(line),
      refused: (reason: string) => refused.push(reason),
      limited: (reason: string) => limited.push(reason),
    };
    const admission = new Admission(options, () => {});
    const connect = (address: string): FakeRaw => {
      const raw = new FakeRaw(address);
      admission.accept(raw as unknown as net.Socket);
      return raw;
    };
    return { connect, lines, limited, refused };
  }

  it('lets a trusted group past the per-group cap and the connect rate, not the total cap', () => {
    const { connect, refused, lines } = admissionWith('10.1.2.0/24', 2);
    for (let i = 0; i < 12; i++) connect(`10.1.2.${i + 1}`);
    expect(refused).toEqual(['max-connections', 'max-connections']);
    expect(lines).toEqual([]);
  });

  it('logs an untrusted group at its per-group cap once, naming the flags, and counts it', () => {
    const { connect, refused, lines, limited } = admissionWith('10.9.9.0/24');
    connect('10.1.2.1');
    connect('10.1.2.2');
    connect('10.1.2.3');
    connect('10.1.3.1');
    connect('10.1.3.2');
    connect('10.1.3.3');
    expect(refused).toEqual(['max-connections-per-peer', 'max-connections-per-peer']);
    expect(lines.filter((line) => line.includes('connections open'))).toEqual([
      '10.1.2.0/24 limited: 2 connections open from it; new ones turned away ' +
        '(--max-connections-per-peer, --trust)',
      '10.1.3.0/24 limited: 2 connections open from it; new ones turned away ' +
        '(--max-connections-per-peer, --trust)',
    ]);
    expect(limited).toEqual(['max-connections-per-group', 'max-connections-per-group']);
  });

  it('names the flags in the connect-rate ban line, and counts the ban', () => {
    const { connect, lines, limited } = admissionWith('', 2);
    for (let i = 0; i < 3; i++) connect('10.1.4.1').destroy();
    connect('10.1.4.1');
    expect(lines).toEqual([
      '10.1.4.0/24 banned for 10 s: over 2 connects in a second ' +
        '(--max-connects-per-second, --trust)',
    ]);
    expect(limited).toEqual(['connect-rate']);
  });
});
