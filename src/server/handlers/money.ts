import { assert } from '../../assert.js';
import { Code, type CodeNumber } from '../../protocol/codes.js';
import { Limits } from '../../protocol/limits.js';
import type { AccountId, MoneyRequest, Reply } from '../../protocol/messages.js';
import { addToBalance, getAccount } from '../../store/sqlite/accounts.js';
import { findTxn, recordTxn, type TxnRow } from '../../store/sqlite/ledger.js';
import type { Peer, ServerContext } from '../context.js';
import { audit, bare, inSession } from '../session.js';

/**
 * DEPOSIT and WITHDRAW: PROTOCOL.md §5.4. A transaction id already used on the account gets its
 * recorded outcome back and applies nothing; otherwise the balance moves within its bounds, and
 * the outcome is recorded with the move, in one transaction.
 */
export function handleMoney(ctx: ServerContext, peer: Peer, request: MoneyRequest): Promise<Reply> {
  return inSession(ctx, peer, request.kind, (account) => {
    const earlier = findTxn(ctx.store, account, request.txnId);
    if (earlier) return handleMoneyRepeat(ctx, peer, request, earlier);
    return handleMoneyApply(ctx, peer, request, account);
  });
}

/** A repeated id: the original reply if it is the same request, else 94. */
function handleMoneyRepeat(
  ctx: ServerContext,
  peer: Peer,
  request: MoneyRequest,
  earlier: TxnRow,
): Reply {
  const same = earlier.kind === request.kind && earlier.amountCents === request.amountCents;
  const op = `${request.kind}-repeat`;
  const facts = { op, amountCents: request.amountCents, txnId: request.txnId };
  if (!same) {
    audit(ctx, peer, { ...facts, code: Code.duplicate });
    return bare(Code.duplicate);
  }
  audit(ctx, peer, { ...facts, code: earlier.code, balanceCents: earlier.balanceCents });
  return replyForTxn(earlier);
}

/** The reply a recorded transaction got: OUTCOME and repeats send it again unchanged. */
export function replyForTxn(row: TxnRow): Reply {
  if (row.code === Code.ok || row.code === Code.insufficientFunds) {
    return { kind: 'balance', code: row.code, balanceCents: row.balanceCents };
  }
  return bare(row.code);
}

/** A new id: decides, moves the balance if approved, records the outcome and audits it. */
function handleMoneyApply(
  ctx: ServerContext,
  peer: Peer,
  request: MoneyRequest,
  account: AccountId,
): Reply {
  const row = getAccount(ctx.store, account);
  assert(row !== undefined && !row.closed, 'a session is on an open account');
  const deltaCents = request.kind === 'deposit' ? request.amountCents : -request.amountCents;
  const code = decideMoney(row.balanceCents, deltaCents);
  const balanceCents = code === Code.ok ? row.balanceCents + deltaCents : row.balanceCents;
  assert(balanceCents >= 0 && balanceCents <= Limits.balanceCentsMax, 'balance stays in bounds');
  if (code === Code.ok) addToBalance(ctx.store, account, deltaCents);
  const { txnId, kind, amountCents } = request;
  const txn = { account, txnId, kind, amountCents };
  recordTxn(ctx.store, { ...txn, code, balanceCents, at: ctx.now() });
  audit(ctx, peer, { op: kind, amountCents, code, balanceCents, txnId });
  return replyForTxn({ ...txn, code, balanceCents, at: 0 });
}

/** Approves a move that keeps the balance between zero and its maximum. */
function decideMoney(balanceCents: number, deltaCents: number): CodeNumber {
  const after = balanceCents + deltaCents;
  if (after < 0) return Code.insufficientFunds;
  if (after > Limits.balanceCentsMax) return Code.amountLimit;
  return Code.ok;
}
