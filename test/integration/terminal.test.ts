import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  atmJson,
  runBank,
  startServer,
  TEST_ACCOUNTS,
  type TestServer,
} from '../helpers/server.js';
import { bankAtm, requireTmux, Terminal, type TerminalOptions } from '../helpers/terminal.js';

// The interactive ATM, typed at through a real pseudo-terminal (tmux), against the real server.
// Each test uses its own account, so no test depends on another's balance or lock.
const ACCOUNTS = `${TEST_ACCOUNTS}ac-20001, 5678, 10.00
ac-20002, 1357, 10.00
ac-20003, 2468, 10.00
ac-20004, 1212, 10.00
ac-20005, 3344, 10.00
ac-20006, 5566, 10.00
`;

/** Position of each entry in the main menu, which always opens on the first. */
const MENU = { balance: 0, withdraw: 1, deposit: 2, exit: 3 } as const;
const HH_MM_SS = String.raw`\d\d:\d\d:\d\d`;
const REF = String.raw`Ref [0-9a-f]{16}\.`;
/** What a stack trace or an uncaught error would put on the screen. */
const CRASH = /^\s+at |Error[:\s]|node:internal|ExitPromptError|AbortPromptError/m;
/** The strict confirmation asking again, its line emptied, after an answer neither yes nor no. */
const ASKED_AGAIN =
  /^\? Withdraw \$40\.00\? \(y\/N\)\n> Please type y \(yes\) or n \(no\), then Enter\.$/m;
/** An SGR (colour or bold) escape sequence. */
const SGR = /\x1b\[[0-9;]*m/;

/** A receipt as one whole line of the screen: what, the time, the balance, the reference. */
function receiptLine(what: string, balance: string): RegExp {
  return new RegExp(`^  ${escape(what)} at ${HH_MM_SS}\\. ${escape(balance)} ${REF}$`, 'm');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pattern for words however the screen breaks the lines between them. */
function words(text: string): RegExp {
  const escaped = text.split(/\s+/).map(escape);
  return new RegExp(escaped.join('\\s+'));
}

describe('the interactive ATM in a terminal (tmux), against the real server', () => {
  let server: TestServer;
  const terminals: Terminal[] = [];

  beforeAll(async () => {
    requireTmux();
    server = await startServer({ accounts: ACCOUNTS });
  });
  afterEach(() => {
    for (const terminal of terminals.splice(0)) terminal.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** `bank atm` on an 80x24 terminal, connected to `port` (the shared server by default). */
  function openAtm(args: string[] = [], options: TerminalOptions & { port?: number } = {}) {
    const terminal = Terminal.start(bankAtm(options.port ?? server.port, ...args), options);
    terminals.push(terminal);
    return terminal;
  }

  /** Types an account number and PIN at their prompts. */
  async function typeLogin(terminal: Terminal, account: string, pin: string): Promise<void> {
    await terminal.waitForPrompt('Account number (like ac-12345):');
    terminal.type(account);
    terminal.press('Enter');
    await terminal.waitForPrompt('PIN (4 digits):');
    terminal.type(pin);
    terminal.press('Enter');
  }

  async function logIn(terminal: Terminal, account: string, pin: string): Promise<void> {
    await typeLogin(terminal, account, pin);
    await terminal.waitFor('Welcome. Your balance is');
  }

  async function choose(terminal: Terminal, entry: keyof typeof MENU): Promise<void> {
    await terminal.waitForPrompt('What would you like to do?');
    for (let i = 0; i < MENU[entry]; i++) terminal.press('Down');
    terminal.press('Enter');
  }

  async function exitAtm(terminal: Terminal): Promise<string> {
    await choose(terminal, 'exit');
    const screen = await terminal.waitFor('You are logged out. Thank you for banking with us.');
    expect(await terminal.waitForExit()).toBe(0);
    return screen;
  }

  it('runs a whole session typed as keystrokes, a receipt line per transaction', async () => {
    const atm = openAtm();
    await logIn(atm, 'ac-10001', '1111');
    await atm.waitFor('Welcome. Your balance is $100.00.');

    await choose(atm, 'deposit');
    await atm.waitForPrompt('Amount to deposit, in dollars');
    atm.type('20.00');
    atm.press('Enter');
    await atm.waitFor(receiptLine('Deposited $20.00', 'New balance $120.00.'));

    await choose(atm, 'withdraw');
    await atm.waitForPrompt('How much?');
    atm.press('Down', 'Down', 'Down', 'Down', 'Enter'); // past $20, $40, $60, $100: Other amount
    await atm.waitForPrompt('Amount to withdraw, in dollars');
    atm.type('5.50');
    atm.press('Enter');
    await atm.waitForPrompt('Withdraw $5.50? (y/N)');
    atm.type('YES'); // any case
    atm.press('Enter');
    await atm.waitFor(receiptLine('Withdrew $5.50', 'New balance $114.50.'));

    await choose(atm, 'balance');
    await atm.waitFor(new RegExp(`Your balance is \\$114\\.50 at ${HH_MM_SS}\\.`));
    const screen = await exitAtm(atm);

    // Receipts are matched line by line above, so none was broken by the 80-column terminal.
    expect(screen).not.toMatch(CRASH);
    const after = await atmJson(server.port, ['login ac-10001 1111', 'quit']);
    expect(after[0]).toEqual({ ok: true, balance_cents: 11450 });
  });

  it('never shows the PIN, only a mask', async () => {
    const atm = openAtm();
    await atm.waitForPrompt('Account number (like ac-12345):');
    atm.type('ac-10004');
    atm.press('Enter');
    await atm.waitForPrompt('PIN (4 digits):');
    atm.type('4444');
    await atm.waitFor('PIN (4 digits): ****');
    expect(atm.history()).not.toContain('4444');
    atm.press('Enter');
    await atm.waitFor('Welcome. Your balance is $1,000.00.');
    expect(atm.history()).not.toMatch(/4\s*4\s*4\s*4/);
    await exitAtm(atm);
  });

  it('says the tries left after a wrong PIN, and still lets the right PIN in', async () => {
    const atm = openAtm();
    await typeLogin(atm, 'ac-10002', '9999');
    const sentence = 'Incorrect account number or PIN. 2 tries left before the account is blocked.';
    await atm.waitFor(words(sentence));
    await logIn(atm, 'ac-10002', '2222');
    await atm.waitFor('Welcome. Your balance is $50.25.');
    await exitAtm(atm);
  });

  it('tells a blocked account to try later or call the bank, on whole words within 80 columns', async () => {
    const atm = openAtm();
    for (const triesLeft of ['2 tries', '1 try']) {
      await typeLogin(atm, 'ac-20001', '0000');
      await atm.waitFor(words(`${triesLeft} left before the account is blocked.`));
    }
    await typeLogin(atm, 'ac-20001', '0000'); // the third wrong PIN blocks the account here
    const sentence =
      'This account is blocked for a while after too many wrong PINs, or by the ' +
      'bank. Please try again later, or contact the bank.';
    const screen = await atm.waitFor(words(sentence));
    expect(await atm.waitForExit()).toBe(0);
    // The ATM wraps at spaces: the sentence is on whole lines of at most 80 columns.
    const lines = screen.split('\n');
    const first = lines.findIndex((line) => line.startsWith('  This account is blocked'));
    const wrapped = lines.slice(first, first + 2);
    expect(wrapped.map((line) => line.trim()).join(' ')).toBe(sentence);
    for (const line of wrapped) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('checks what is typed before sending it, and lets every step be cancelled', async () => {
    const atm = openAtm();
    await atm.waitForPrompt('Account number (like ac-12345):');
    atm.type('12345');
    atm.press('Enter');
    await atm.waitFor('An account number looks like ac-12345: two letters, a dash, five digits.');
    atm.press('C-u');
    await typeLogin(atm, 'ac-10002', '222');
    await atm.waitFor('A PIN is four digits.');
    atm.type('2');
    atm.press('Enter');
    await atm.waitFor('Welcome. Your balance is $50.25.');
    await choose(atm, 'deposit');
    await atm.waitForPrompt('Amount to deposit');
    atm.type('20.505');
    atm.press('Enter');
    await atm.waitFor('That is not a valid amount. Enter dollars and cents, like 20 or 20.50.');
    atm.press('C-u');
    atm.type('20000');
    atm.press('Enter');
    await atm.waitFor('The most per transaction is $10,000.00. Please enter a smaller amount.');
    atm.press('C-u', 'Enter'); // empty: cancel
    await atm.waitFor('Cancelled: nothing was deposited.');
    await choose(atm, 'withdraw');
    await atm.waitForPrompt('How much?');
    atm.press('Up', 'Enter'); // the last entry: Cancel
    await atm.waitFor('Cancelled: nothing was withdrawn.');
    await exitAtm(atm);
    const after = await atmJson(server.port, ['login ac-10002 2222', 'quit']);
    expect(after[0]).toEqual({ ok: true, balance_cents: 5025 });
  });

  it('names the balance when a withdrawal is more than it', async () => {
    const atm = openAtm();
    await logIn(atm, 'ac-10003', '3333');
    await choose(atm, 'withdraw');
    await atm.waitForPrompt('How much?');
    atm.press('Enter'); // $20.00
    await atm.waitForPrompt('Withdraw $20.00? (y/N)');
    atm.type('y');
    atm.press('Enter');
    await atm.waitFor('Insufficient funds: your balance is $0.00.');
    await exitAtm(atm);
  });

  it('withdraws only on an explicit yes: "xyz" asks again; "n" or nothing moves nothing', async () => {
    const atm = openAtm();
    await logIn(atm, 'ac-10004', '4444');
    for (const no of ['n', '']) {
      // '': Enter alone
      await choose(atm, 'withdraw');
      await atm.waitForPrompt('How much?');
      atm.press('Down', 'Enter'); // $40.00
      await atm.waitForPrompt('Withdraw $40.00? (y/N)');
      for (const stray of no === 'n' ? ['xyz', 'yeah', '1'] : []) {
        atm.type(stray);
        await atm.waitFor(new RegExp(`^\\? Withdraw \\$40\\.00\\? \\(y/N\\) ${stray}$`, 'm'));
        atm.press('Enter');
        await atm.waitFor(ASKED_AGAIN);
      }
      atm.type(no);
      atm.press('Enter');
      await atm.waitForPrompt('What would you like to do?');
    }
    const screen = atm.history();
    expect(screen.split('✔ Withdraw $40.00? No').length).toBe(3);
    expect(screen.split('Cancelled: nothing was withdrawn.').length).toBe(3);
    await choose(atm, 'balance');
    await atm.waitFor('Your balance is $1,000.00 at');
    await exitAtm(atm);
    const after = await atmJson(server.port, ['login ac-10004 4444', 'quit']);
    expect(after[0]).toEqual({ ok: true, balance_cents: 100000 });
  });

  it('says plainly when the bank blocks the account during the session, and ends it', async () => {
    const atm = openAtm();
    await logIn(atm, 'ac-20006', '5566');
    await atm.waitForPrompt('What would you like to do?');
    const block = runBank(['admin', 'block', 'ac-20006', '--db', server.dbFile]);
    expect(block.stdout).toBe(
      'ac-20006 blocked; its ATM session (from 127.0.0.1) is refused ' +
        'at its next request (62)\n',
    );
    await choose(atm, 'balance');
    await atm.waitFor(
      words(
        'The bank has blocked this account, so your session has ended and ' +
          'nothing more was done. Please contact the bank.',
      ),
    );
    await typeLogin(atm, 'ac-20006', '5566'); // back at the login: the bank now refuses it (75)
    const screen = await atm.waitFor('Thank you for banking with us.');
    expect(await atm.waitForExit()).toBe(0);
    expect(screen).not.toMatch(CRASH);
  });

  it('logs out on Ctrl-C: the account is free at once', async () => {
    const atm = openAtm();
    await logIn(atm, 'ac-20002', '1357');
    await choose(atm, 'withdraw');
    await atm.waitForPrompt('How much?');
    atm.press('C-c');
    const screen = await atm.waitFor('You are logged out. Thank you for banking with us.');
    expect(await atm.waitForExit()).toBe(0);
    expect(screen).not.toMatch(CRASH);
    const after = await atmJson(server.port, ['login ac-20002 1357', 'quit']);
    expect(after[0]).toEqual({ ok: true, balance_cents: 1000 });
  });

  it('logs out at the end of input (Ctrl-D): the account is free at once', async () => {
    const atm = openAtm();
    await logIn(atm, 'ac-20003', '2468');
    await atm.waitForPrompt('What would you like to do?');
    atm.press('C-d');
    const screen = await atm.waitFor('You are logged out. Thank you for banking with us.');
    expect(await atm.waitForExit()).toBe(0);
    expect(screen).not.toMatch(CRASH);
    const after = await atmJson(server.port, ['login ac-20003 2468', 'quit']);
    expect(after[0]).toEqual({ ok: true, balance_cents: 1000 });
  });

  it('asks "still there?" when idle, gives more time on "yes", then logs out', async () => {
    const atm = openAtm(['--idle-timeout', '5']);
    await logIn(atm, 'ac-20004', '1212');
    await atm.waitForPrompt('Are you still there? You will be logged out in 5 seconds. More time?');
    atm.press('Enter');
    await atm.waitFor('More time? Yes');
    await atm.waitForPrompt('What would you like to do?');
    await atm.waitForPrompt('Are you still there?');
    await atm.waitFor('No answer for a while: logging you out.');
    await atm.waitFor('You are logged out. Thank you for banking with us.');
    expect(await atm.waitForExit()).toBe(0);
    const after = await atmJson(server.port, ['login ac-20004 1212', 'quit']);
    expect(after[0]).toEqual({ ok: true, balance_cents: 1000 });
  });

  it('honours NO_COLOR: no colour or bold at all, where it otherwise has some', async () => {
    const plain = openAtm([], { env: { NO_COLOR: '1' } });
    const coloured = openAtm();
    for (const atm of [plain, coloured]) await atm.waitForPrompt('Account number (like ac-12345):');
    expect(plain.screenWithEscapes()).not.toMatch(SGR);
    expect(coloured.screenWithEscapes()).toMatch(SGR);
  });

  it('says plainly when the bank goes away, offers to try again, and logs in again', async () => {
    const own = await startServer();
    const port = own.port;
    let restarted: TestServer | null = null;
    try {
      const atm = openAtm([], { port });
      await logIn(atm, 'ac-10001', '1111');
      await atm.waitForPrompt('What would you like to do?');
      await own.stop();
      await atm.waitForPrompt('The bank is not reachable. Try again? (Y/n)');
      atm.press('Enter'); // yes, but the bank is still away: asked again
      await atm.waitFor('The bank is not reachable. Try again? Yes');
      await atm.waitForPrompt('The bank is not reachable. Try again? (Y/n)');
      restarted = await startServer({ dir: own.dir, args: ['--port', String(port)] });
      atm.press('Enter');
      await atm.waitFor('Reconnected. Your balance is $100.00.');
      await atm.waitForPrompt('What would you like to do?');
      await restarted.stop();
      await atm.waitForPrompt('The bank is not reachable. Try again? (Y/n)');
      atm.type('n');
      atm.press('Enter');
      const screen = await atm.waitFor('You are logged out. Thank you for banking with us.');
      expect(await atm.waitForExit()).toBe(2); // the customer gave up on a bank gone away
      expect(screen).not.toMatch(CRASH);
    } finally {
      await own.kill();
      await restarted?.kill();
    }
  });

  it('waits visibly for a frozen bank, then settles the cut-off withdrawal', async () => {
    const own = await startServer();
    let again: TestServer | null = null;
    try {
      const atm = openAtm([], { port: own.port });
      await logIn(atm, 'ac-10001', '1111');
      await choose(atm, 'withdraw');
      await atm.waitForPrompt('How much?');
      own.proc.kill('SIGSTOP'); // the bank freezes: the withdrawal will sit unread
      atm.press('Enter'); // $20.00
      await atm.waitForPrompt('Withdraw $20.00? (y/N)');
      atm.type('y');
      atm.press('Enter');
      await atm.waitFor('Waiting for the bank...');
      await own.kill(); // the unread withdrawal dies with it
      await atm.waitFor(words('The bank stopped answering during your withdrawal of $20.00'));
      await atm.waitForPrompt('The bank is not reachable. Try again? (Y/n)');
      again = await startServer({ dir: own.dir, args: ['--port', String(own.port)] });
      atm.press('Enter');
      await atm.waitFor('Reconnected. Your balance is $100.00.');
      await atm.waitFor(words('The bank never received your withdrawal; no money moved.'));
      expect(await exitAtm(atm)).not.toMatch(CRASH);
    } finally {
      await own.kill();
      await again?.kill();
    }
  });

  /** Logs in on a fresh server, freezes it, and asks for the balance: the ATM now waits. */
  async function askFrozenBank(own: TestServer): Promise<Terminal> {
    const atm = openAtm([], { port: own.port });
    await logIn(atm, 'ac-10001', '1111');
    await atm.waitForPrompt('What would you like to do?');
    own.proc.kill('SIGSTOP');
    atm.press('Enter'); // Balance
    await atm.waitFor('Waiting for the bank...');
    return atm;
  }

  /** As askFrozenBank, then Ctrl-C once: the ATM will log out when the bank answers. */
  async function waitOnFrozenBank(own: TestServer): Promise<Terminal> {
    const atm = await askFrozenBank(own);
    atm.press('C-c');
    await atm.waitFor('Logging out once the bank answers; Ctrl-C again quits now.');
    return atm;
  }

  it('takes Ctrl-C while a frozen bank is awaited, logging out once it answers', async () => {
    const own = await startServer();
    try {
      const atm = await waitOnFrozenBank(own);
      own.proc.kill('SIGCONT');
      await atm.waitFor(/Your balance is \$100\.00 at/);
      const screen = await atm.waitFor('You are logged out. Thank you for banking with us.');
      expect(await atm.waitForExit()).toBe(0);
      expect(screen).not.toMatch(CRASH);
      const after = await atmJson(own.port, ['login ac-10001 1111', 'quit']);
      expect(after[0]).toEqual({ ok: true, balance_cents: 10000 });
    } finally {
      own.proc.kill('SIGCONT');
      await own.kill();
    }
  });

  it('quits at once on a second Ctrl-C while a frozen bank is awaited', async () => {
    const own = await startServer();
    try {
      const atm = await waitOnFrozenBank(own);
      atm.press('C-c');
      expect(await atm.waitForExit()).toBe(130); // ended by SIGINT, as asked
      expect(atm.history()).not.toMatch(CRASH);
    } finally {
      own.proc.kill('SIGCONT');
      await own.kill();
    }
  });

  it('picks nothing on digits or letters typed at a menu: only the arrows and Enter', async () => {
    const atm = openAtm();
    await logIn(atm, 'ac-20005', '3344');
    await atm.waitForPrompt('What would you like to do?');
    atm.type('2w3d'); // Inquirer's select took "2" as Withdraw and "w" as a search for it
    atm.press('Enter');
    await atm.waitFor('✔ What would you like to do? Balance');
    await atm.waitFor('Your balance is $10.00 at');
    await choose(atm, 'withdraw');
    await atm.waitForPrompt('How much?');
    atm.type('3'); // not the third entry ($60.00): still the first
    atm.press('Enter');
    await atm.waitForPrompt('Withdraw $20.00? (y/N)');
    atm.press('Enter');
    await atm.waitFor('Cancelled: nothing was withdrawn.');
    await exitAtm(atm);
    const after = await atmJson(server.port, ['login ac-20005 3344', 'quit']);
    expect(after[0]).toEqual({ ok: true, balance_cents: 1000 });
  });

  it('drops keys typed while no prompt is on screen: they answer no later prompt', async () => {
    const own = await startServer();
    try {
      const atm = await askFrozenBank(own); // the bank is slow: the customer types ahead
      // Meant, if anything, for menus not yet drawn: Withdraw, $20.00, yes.
      for (const keys of [['Down'], ['Enter'], ['Enter'], ['y'], ['Enter']]) atm.press(...keys);
      own.proc.kill('SIGCONT');
      await atm.waitFor(/Your balance is \$100\.00 at/);
      await atm.waitForPrompt('What would you like to do?');
      atm.press('Enter'); // the menu still waits, on Balance
      await atm.waitFor(/Your balance is \$100\.00 at[^]*Your balance is \$100\.00 at/);
      expect(atm.history()).not.toContain('How much?');
      await exitAtm(atm);
      const after = await atmJson(own.port, ['login ac-10001 1111', 'quit']);
      expect(after[0]).toEqual({ ok: true, balance_cents: 10000 });
    } finally {
      own.proc.kill('SIGCONT');
      await own.kill();
    }
  });

  it('says there is no bank server before asking anything, and exits 2', async () => {
    const gone = await startServer();
    await gone.stop();
    const atm = openAtm([], { port: gone.port });
    const sentence = `No bank server at 127.0.0.1:${gone.port} (connection refused).`;
    const screen = await atm.waitFor(sentence);
    expect(await atm.waitForExit()).toBe(2);
    expect(screen).not.toContain('Account number');
    expect(screen).not.toContain('BANK ATM');
    expect(screen).not.toMatch(CRASH);
  });

  it('names the server as connected only once it is', async () => {
    const atm = openAtm();
    const screen = await atm.waitForPrompt('Account number (like ac-12345):');
    expect(screen).toContain(`BANK ATM - connected to bank server 127.0.0.1:${server.port}`);
    atm.press('C-d');
    expect(await atm.waitForExit()).toBe(0);
  });

  it('with --json on a terminal, says once on stderr that it reads commands; help lists them', async () => {
    const atm = openAtm(['--json']);
    const hint =
      'bank atm: reading commands from standard input, one per line; ' +
      '"help" lists them, Ctrl-D ends.';
    await atm.waitFor(words(hint));
    atm.type('help');
    atm.press('Enter');
    await atm.waitFor('{"ok":true,"commands":["login <account> <pin>","balance",');
    atm.press('C-d');
    expect(await atm.waitForExit()).toBe(0);
    expect(atm.history().split('reading commands from standard input').length).toBe(2);
  });

  it('fails with a clear message, rather than skipping, where tmux is missing', () => {
    expect(() => requireTmux('tmux-missing-here')).toThrow(/the terminal tests need tmux/);
  });

  it('shows examples in bank atm --help, on a plain 80-column terminal', () => {
    const help = runBank(['atm', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toMatch(/^\s+bank atm --idle-timeout \d+/m);
    expect(help.stdout).toMatch(/^\s+NO_COLOR=1 bank atm/m);
    for (const line of help.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});
