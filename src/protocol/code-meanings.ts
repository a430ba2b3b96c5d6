import type { CodeName } from './codes.js';

/**
 * What each result code means, word for word as PROTOCOL.md §6 writes it (a test holds the two
 * together), for those who watch the bank rather than use it: the dashboard's legends. The
 * customer's sentences are in src/atm/code-text.ts. A Record, so a new code without its meaning
 * does not compile.
 */
export const codeMeaning: Record<CodeName, string> = {
  internal:
    'system malfunction: a bug on the server; nothing changed, and the server closes ' +
    'the connection',
  unavailable:
    'the server is shutting down, or turns the connection away (§7: too many ' +
    'connections, or too many connects) (sent alone, then closed); or its database did not ' +
    'take the request within `--db-wait` (§5.7: nothing applied, the connection stays open)',
  formatError:
    "a line that is not a `request` by §3's grammar (unknown verb, a missing, extra " +
    'or misshapen field, an empty line)',
  invalidTransaction:
    'request not allowed in this state (anything but LOGIN before login; LOGIN during ' +
    'a session)',
  sessionExpired:
    "the session's lock expired and was taken by another login, or the bank closed " +
    'the account after the lock expired; the session is over, whatever the request ' +
    '(LOGOUT too, or a bad amount)',
  restrictedCard:
    'an operator blocked the account (`bank admin block`) during the session (§5.3); nothing ' +
    'changed, the lock is released and the session is over, whatever the request (LOGOUT too, ' +
    'or a bad amount)',
  tooManyAttempts:
    'LOGIN not tried: the failed-login limit of this connection or address group is ' +
    "spent, or the server's PIN-check budget is (§5.2)",
  pinTriesExceeded:
    'account blocked for now: after wrong PINs from this address group (3) or from ' +
    'all groups (10), for a time that doubles with each block, or by the bank until ' +
    'an operator lifts it (§5.2); carries no time',
  incorrectPin: 'wrong PIN or unknown account; followed by the tries left before a block (§5.2)',
  accountBusy: 'the account is in a session at another ATM',
  invalidAmount: 'the amount field is not a number of cents: digits, the first not `0` (§5.4)',
  amountLimit: 'amount above $10,000.00, or the balance would pass its maximum',
  duplicate: 'the txn-id was already used on this account for a different request',
  noRecord: 'OUTCOME: no transaction with that id on this account',
  insufficientFunds: 'withdrawal larger than the balance; followed by the balance',
  ok: 'approved',
};
