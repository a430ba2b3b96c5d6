import { describe, expect, it } from 'vitest';
import { atmJson } from './helpers/server.js';
import { WireClient } from './helpers/wire.js';
import { expectDialogue } from './helpers/dialogue.js';
import { serverPerSuite } from './helpers/suite.js';

describe('smoke: a real server and a scripted ATM', () => {
  const server = serverPerSuite();

  it('logs in, deposits, withdraws and reads the balance', async () => {
    const results = await atmJson(server.port, [
      'login ac-10001 1111',
      'deposit 20.00',
      'withdraw 5.50',
      'balance',
      'quit',
    ]);
    expect(results).toEqual([
      { ok: true, balance_cents: 10000 },
      { ok: true, balance_cents: 12000 },
      { ok: true, balance_cents: 11450 },
      { ok: true, balance_cents: 11450 },
      { ok: true },
    ]);
  });

  it('refuses everything but LOGIN before login, on the wire', async () => {
    const client = await WireClient.connect(server.port);
    await expectDialogue(
      client,
      `
      BALANCE -> 12
      LOGIN ac-10002 2222 -> 00 5025 30
      LOGOUT -> 00
    `,
    );
    client.close();
  });
});
