import { once } from 'node:events';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Admission } from '../../src/server/admission.js';
import { defaultServerConfig } from '../../src/server/config.js';
import { sleep } from '../helpers/hostile.js';

const HANDSHAKE_MS = 200;
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

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
      handshakeMs: HANDSHAKE_MS,
      tls: { certFile: fixture('cert.pem'), keyFile: fixture('key.pem') },
    };
    const options = { config, connectionsMax: 10, now: Date.now, log: () => {}, refused: () => {} };
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
