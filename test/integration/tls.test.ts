import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BANK, startServer, type TestServer } from '../helpers/server.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

/** Runs `bank atm --json` with extra flags and returns its output lines parsed. */
async function atmWith(port: number, flags: string[], commands: string[]): Promise<unknown[]> {
  const proc = spawn(process.execPath, [BANK, 'atm', '--port', String(port), '--json', ...flags]);
  let stdout = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stdin.end(commands.map((c) => `${c}\n`).join(''));
  await new Promise((resolve) => proc.once('exit', resolve));
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('TLS (bank server --tls-cert/--tls-key, bank atm --tls --ca)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      args: ['--tls-cert', fixture('cert.pem'), '--tls-key', fixture('key.pem')],
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves a whole session to an ATM that trusts the certificate', async () => {
    const results = await atmWith(
      server.port,
      ['--tls', '--ca', fixture('cert.pem')],
      ['login ac-10001 1111', 'deposit 1.00', 'logout'],
    );
    expect(results).toEqual([
      { ok: true, balance_cents: 10000 },
      { ok: true, balance_cents: 10100 },
      { ok: true },
    ]);
  });

  it('is refused by an ATM that cannot verify the certificate', async () => {
    const [login] = await atmWith(server.port, ['--tls'], ['login ac-10001 1111']);
    expect(login).toMatchObject({ ok: false, code: 91 });
  });

  it('gives a plain-TCP ATM nothing: its bytes are not a TLS handshake', async () => {
    const [login] = await atmWith(server.port, [], ['login ac-10001 1111']);
    expect(login).toMatchObject({ ok: false, code: 91 });
  });
});
