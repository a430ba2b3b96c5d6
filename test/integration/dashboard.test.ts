import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { dashboardRefusal, startDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { startServers } from '../helpers/multi-server.js';
import { until } from '../helpers/poll.js';
import { AtmProcess } from '../helpers/proxy.js';
import {
  bankDb,
  ENGINE,
  makeBankDir,
  runBank,
  startServer,
  type TestServer,
} from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

// `bank admin dashboard` in a real browser (headless Chromium): a real server (on PostgreSQL two
// servers on one bank), the dashboard process beside it, the page open while ATMs log in,
// deposit, get refused and die. Every check polls the page until it shows what happened: a page
// that does not update fails them. BANK_DASHBOARD_SCREENSHOT=<file.png> also keeps the
// screenshot of the moment with two sessions, a 09 and a deposit (README's docs/dashboard.png).

const LOCK_TTL_S = 2;
/** The dashboard looks at the bank this often; the page shows a change within a poll or two. */
const INTERVAL_MS = 200;
/** How long a check waits for the page: generous, as this is no benchmark. */
const SHOWN_MS = 10_000;
const PING_MS = 400;

/** The text of the page's elements matching selector, one string each. */
function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allInnerTexts();
}

/** Waits until some element matching selector has a text that contains every one of words. */
async function shows(page: Page, what: string, selector: string, words: string[]): Promise<void> {
  await until(
    `the page to show ${what}`,
    async () =>
      (await texts(page, selector)).some((text) => words.every((word) => text.includes(word))),
    SHOWN_MS,
    50,
  );
}

/** A wire client whose requests go one at a time, each line and its reply recorded. */
class RecordedClient {
  readonly exchanged: [string, string][] = [];
  private chain: Promise<unknown> = Promise.resolve();
  constructor(readonly wire: WireClient) {}

  request(line: string): Promise<string> {
    const next = this.chain.then(async () => {
      const reply = await this.wire.request(line);
      this.exchanged.push([line, reply]);
      return reply;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** The dialogue PROTOCOL.md would write for these exchanges: PIN masked, txn ids shortened. */
function expectedDialogue(exchanged: [string, string][]): string[] {
  const shorten = (line: string): string =>
    line
      .replace(/^LOGIN (\S+) \d{4}$/, 'LOGIN $1 ****')
      .replace(
        /^(DEPOSIT|WITHDRAW|OUTCOME) (\S{1,32})/,
        (_, verb: string, txn: string) =>
          `${verb} ${txn.slice(0, Math.min(4, Math.floor(txn.length / 2)))}…`,
      );
  return exchanged.flatMap(([request, reply]) => [`C: ${shorten(request)}`, `S: ${reply}`]);
}

/** The bank under test: one server on SQLite, two named servers on one PostgreSQL database. */
async function startBank(): Promise<{ servers: TestServer[]; db: string }> {
  const args = ['--lock-ttl', String(LOCK_TTL_S)];
  if (ENGINE === 'sqlite') {
    const server = await startServer({ args });
    return { servers: [server, server], db: server.dbFile };
  }
  const dir = await makeBankDir();
  const servers = await startServers(dir, ['alpha', 'beta'], args);
  return { servers, db: bankDb(dir) };
}

describe('bank admin dashboard in a browser', () => {
  let browser: TestBrowser;
  let bank: { servers: TestServer[]; db: string };
  let dashboard: TestDashboard;

  beforeAll(async () => {
    browser = await launchBrowser();
    bank = await startBank();
    dashboard = await startDashboard(bank.db, [
      '--listen',
      '127.0.0.1:0',
      '--lock-ttl',
      String(LOCK_TTL_S),
      '--interval',
      String(INTERVAL_MS),
    ]);
  });

  afterAll(async () => {
    await dashboard?.stop();
    await Promise.all([...new Set(bank?.servers ?? [])].map((server) => server.kill()));
    await browser?.close();
  });

  it('shows sessions, deposits, a 09, a dialogue and a killed ATM as they happen', async () => {
    const { page, errors } = await browser.open(dashboard.url);
    await shows(page, 'that it is live', '#status', ['live']);
    const [first, second] = bank.servers as [TestServer, TestServer];
    const atm = AtmProcess.start(first.port);
    expect(await atm.send('login ac-10001 1111')).toEqual({ ok: true, balance_cents: 10000 });
    expect(await atm.send('deposit 20')).toEqual({ ok: true, balance_cents: 12000 });
    await shows(page, 'the session', '#sessions tbody tr', ['ac-10001']);
    await shows(page, 'the deposit', '#audit-rows tbody tr', ['ac-10001', 'deposit', '$20.00']);
    await shows(page, 'the new balance', '#accounts tbody tr', ['ac-10001', '$120.00']);

    const client = new RecordedClient(await WireClient.connect(second.port));
    expect(await client.request('LOGIN ac-10002 2222')).toBe(`00 5025 ${LOCK_TTL_S}`);
    expect(await client.request('DEPOSIT 9f86d081884c7d65 2000')).toBe('00 7025');
    let pinging = true;
    const pings = (async () => {
      while (pinging) {
        await client.request('PING');
        await new Promise((resolve) => setTimeout(resolve, PING_MS));
      }
    })();
    const busy = await WireClient.connect(second.port);
    expect(await busy.request('LOGIN ac-10001 1111')).toBe('09');
    await shows(page, 'the 09', '#audit-rows tbody tr', ['ac-10001', 'login', '09']);
    await shows(page, 'the second session', '#sessions tbody tr', ['ac-10002']);
    if (ENGINE === 'postgres') {
      await shows(page, 'both servers', '#servers', ['alpha']);
      await shows(page, 'both servers', '#servers', ['beta']);
    }
    await page.locator('#sessions tr[data-account="ac-10002"] button.conn').click();
    await shows(page, 'the dialogue', '#dialogue', ['C: DEPOSIT 9f86… 2000', 'S: 00 7025']);
    await keepScreenshot(page);

    pinging = false;
    await pings;
    expect(await client.request('BALANCE')).toBe('00 7025');
    expect(await client.request('LOGOUT')).toBe('00');
    const expected = expectedDialogue(client.exchanged);
    await until(
      'the whole dialogue',
      async () => {
        const lines = (await texts(page, '#dialogue div')).filter((l) => /^[CS]: /.test(l));
        return JSON.stringify(lines) === JSON.stringify(expected);
      },
      SHOWN_MS,
      50,
    ).catch(async (error: Error) => {
      expect(await texts(page, '#dialogue div'), error.message).toEqual(expected);
    });

    atm.signal('SIGKILL');
    await atm.exited;
    await until(
      "the killed ATM's session to leave the page",
      async () => !(await texts(page, '#sessions tbody tr')).some((t) => t.includes('ac-10001')),
      SHOWN_MS,
      50,
    );
    client.wire.close();
    busy.close();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends its security headers and never a PIN hash', async () => {
    const page = await fetch(dashboard.url);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const [one, two] = await Promise.all([readEvents(dashboard.url), readEvents(dashboard.url)]);
    expect(one).toContain('event: hello');
    expect(one).not.toMatch(/pin_?hash|pinHash|scrypt/i);
    // Two pages, one poll: both get the states of the same polls (the same times), not their own.
    const times = (text: string): string[] =>
      [...text.matchAll(/"state":\{"at":(\d+)/g)].map((match) => match[1]!);
    expect(times(one).filter((at) => times(two).includes(at)).length).toBeGreaterThan(0);
  });
});

describe('bank admin dashboard beyond loopback', () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bank-dashboard-token-'));
    db = bankDb(await makeBankDir());
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--help states every option, with its range', () => {
    const help = runBank(['admin', 'dashboard', '--help']).stdout.replace(/\s+/g, ' ');
    for (const option of [
      '--db <file|url>',
      '--listen <[host:]port>',
      '--token <token>',
      '--token-file <file>',
      '--lock-ttl <seconds>',
      '--interval <ms>',
    ]) {
      expect(help).toContain(option);
    }
    expect(help).toContain('port 0 to 65535');
    expect(help).toContain('(allowed: 1 to 86400) (default: 30)');
    expect(help).toContain('(allowed: 100 to 10000) (default: 500)');
    expect(help).toContain('any non-empty text');
  });

  it('refuses a non-loopback --listen without a token, binding nothing', async () => {
    const refused = await dashboardRefusal(db, ['--listen', '0.0.0.0:0']);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('--token');
  });

  it('asks every request for the token on a non-loopback --listen', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'correct horse battery staple\n');
    const running = await startDashboard(db, ['--listen', '0.0.0.0:0', '--token-file', tokenFile]);
    try {
      // Listening on every interface; the test reaches it through loopback only.
      const port = new URL(running.url).port;
      const base = `http://127.0.0.1:${port}`;
      for (const path of ['/', '/dashboard.js', '/uplot.js', '/events', '/dialogue?conn=1']) {
        expect((await fetch(`${base}${path}`)).status, path).toBe(401);
        const wrong = { headers: { authorization: 'Bearer correct horse battery stapler' } };
        expect((await fetch(`${base}${path}`, wrong)).status, path).toBe(401);
      }
      const right = await fetch(
        `${base}/?token=${encodeURIComponent('correct horse battery staple')}`,
      );
      expect(right.status).toBe(200);
      const cookie = right.headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${base}/dashboard.js`, { headers: { cookie } })).status).toBe(200);
      const { page, errors } = await openWithToken(base);
      await shows(page, 'that it is live', '#status', ['live']);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await running.stop();
    }
  });

  let browser: TestBrowser | undefined;
  afterAll(async () => browser?.close());

  /** Opens the page as the dashboard says to: once with ?token=, then by its cookie. */
  async function openWithToken(base: string): Promise<Awaited<ReturnType<TestBrowser['open']>>> {
    browser = await launchBrowser();
    return browser.open(`${base}/?token=${encodeURIComponent('correct horse battery staple')}`);
  }
});

/** The first few events of one page's stream (hello and at least three polls' states), as text. */
async function readEvents(url: string): Promise<string> {
  const reader = (await fetch(new URL('/events', url))).body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while ((text.match(/event: state/g) ?? []).length < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

/** Keeps the screenshot of this moment where BANK_DASHBOARD_SCREENSHOT says, if it says. */
async function keepScreenshot(page: Page): Promise<void> {
  const target = process.env.BANK_DASHBOARD_SCREENSHOT;
  if (!target) return;
  const shot = join(mkdtempSync(join(tmpdir(), 'bank-shot-')), 'dashboard.png');
  await page.screenshot({ path: shot });
  copyFileSync(shot, target);
}
