import { once } from 'node:events';
import net from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Code } from '../../src/protocol/codes.js';
import { encodeReply } from '../../src/protocol/encode.js';
import { defaultServerConfig } from '../../src/server/config.js';
import { Connection } from '../../src/server/connection.js';
import type { ServerContext } from '../../src/server/context.js';
import { noMetrics } from '../../src/server/observe/metrics.js';
import { sleep } from '../helpers/poll.js';

const handled = vi.hoisted(() => [] as string[]);

// The first request fails inside (96); every request that reaches the handler is recorded.
vi.mock('../../src/server/dispatch.js', () => ({
  handleFrame: async (_ctx: unknown, _peer: unknown, frame: string) => {
    handled.push(frame);
    await sleep(50); // the next request is read and queued meanwhile
    return { kind: 'bare', code: handled.length === 1 ? 96 : 0 };
  },
}));

interface SocketPair {
  server: net.Server;
  accepted: net.Socket;
  client: net.Socket;
}

/** A server-side socket and its client, over loopback. */
async function socketPair(): Promise<SocketPair> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ host: '127.0.0.1', port });
  const [accepted] = (await once(server, 'connection')) as [net.Socket];
  return { server, accepted, client };
}

describe('Connection', () => {
  const servers: net.Server[] = [];
  afterEach(() => servers.splice(0).forEach((server) => server.close()));

  it('after a 96, carries out none of the requests queued behind it', async () => {
    const { server, accepted, client } = await socketPair();
    servers.push(server);
    const ctx = {
      config: defaultServerConfig(':memory:'),
      logger: pino({ level: 'silent' }),
      metrics: noMetrics,
      nowMs: Date.now,
      log: () => {},
    } as unknown as ServerContext;
    const peer = { id: 1, address: '127.0.0.1', holder: 't/1', session: null, loginFailures: 0 };
    const connection = new Connection(ctx, accepted, peer, Date.now());
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    client.write('BALANCE\nWITHDRAW 7d865e959b2466918 50000\n');
    await Promise.all([once(client, 'close'), connection.finished]);
    expect(handled).toEqual(['BALANCE']);
    expect(Buffer.concat(received).toString()).toBe(
      encodeReply({ kind: 'bare', code: Code.internal }),
    );
  });
});
