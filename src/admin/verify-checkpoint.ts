import { hash as digest } from 'node:crypto';
import { parseJsonObject } from '../json.js';
import type { AccountId } from '../protocol/messages.js';
import { auditHash, chainAnchor, type ChainTip } from '../store/audit-chain.js';
import type { AdminTx, BankView } from '../store/engine.js';
import type { CheckpointRow } from '../rules/types.js';
import { withChange, type AdminOptions } from './access.js';

/** The account as the audit, replayed so far, says it is. */
export interface Replayed {
  balanceCents: number;
  closed: boolean;
}

export type Replay = Map<AccountId, Replayed>;

/**
 * Where a successful verify stopped, and what the next one needs to carry on from there instead
 * of from the first row: the last row's hash (the chain goes on from it), the accounts as the
 * audit replayed up to it, and the audit and ledger sizes then.
 */
export interface Checkpoint {
  verifiedAt: number;
  auditId: number;
  auditHash: string;
  auditRows: number;
  ledgerTxns: number;
  replay: Replay;
  /** Each chain's last row verified: the next verify carries on past them. */
  chains: ChainTip[];
}

/**
 * The checkpoint to verify from, or null for a check of every row: none was recorded, or the
 * recorded one no longer matches the audit, which is a problem (its row or a row before it was
 * edited or deleted since, or the checkpoint itself was edited) and calls for the whole check.
 */
export async function loadCheckpoint(
  view: BankView,
  problem: (text: string) => void,
): Promise<Checkpoint | null> {
  const row = await view.checkpoint();
  if (row === undefined) return null;
  const parsed = parseReplay(row);
  const broken =
    parsed === null
      ? `the verify checkpoint (at audit row ${row.auditId}) is damaged`
      : await checkCheckpoint(view, row, parsed.chains);
  if (broken !== null) {
    problem(broken);
    return null;
  }
  const { verifiedAt, auditId, auditHash: hash, auditRows, ledgerTxns } = row;
  return { verifiedAt, auditId, auditHash: hash, auditRows, ledgerTxns, ...parsed! };
}

/** What is wrong with a recorded checkpoint, if anything. */
async function checkCheckpoint(
  view: BankView,
  row: CheckpointRow,
  chains: ChainTip[],
): Promise<string | null> {
  const at = `the verify checkpoint at audit row ${row.auditId}`;
  if (row.digest !== checkpointDigest(row)) {
    return `${at} was edited: it no longer matches its digest`;
  }
  for (const tip of chains) {
    const broken = await checkTip(view, tip, at);
    if (broken !== null) return broken;
  }
  const rows = await view.countAuditWithin(chains);
  if (rows < row.auditRows) {
    return `${at}: ${row.auditRows - rows} row(s) up to it were deleted since it was recorded`;
  }
  if (rows > row.auditRows) return `${at}: ${rows - row.auditRows} row(s) were inserted before it`;
  return null;
}

/** What is wrong with one chain's checkpointed row: gone, rehashed, or edited. */
async function checkTip(view: BankView, tip: ChainTip, at: string): Promise<string | null> {
  if (tip.seq === 0) return null;
  const audited = await view.auditAt(tip.chain, tip.seq);
  if (audited === undefined) return `${at} names a row that is gone (deleted since)`;
  if (audited.hash !== tip.hash) {
    return `${at}: that row no longer has the hash verify recorded (the chain was rewritten?)`;
  }
  const previous =
    tip.seq === 1 ? chainAnchor(tip.chain) : (await view.auditAt(tip.chain, tip.seq - 1))?.hash;
  if (previous === undefined || auditHash(previous, audited) !== audited.hash) {
    return (
      `audit row ${audited.id}, the verify checkpoint, was edited: its contents no longer ` +
      'match its hash'
    );
  }
  return null;
}

/** Replaces the recorded checkpoint with this one, inside a change. */
export function saveCheckpoint(tx: AdminTx, checkpoint: Checkpoint): Promise<void> {
  return tx.saveCheckpoint(toRow(checkpoint));
}

/** The checkpoint as stored: the replay as JSON, and a digest over everything. */
function toRow(checkpoint: Checkpoint): CheckpointRow {
  const accounts = [...checkpoint.replay].map(([account, state]) => [
    account,
    [state.balanceCents, state.closed ? 1 : 0],
  ]);
  const { verifiedAt, auditId, auditHash: hash, auditRows, ledgerTxns } = checkpoint;
  const chains = checkpoint.chains.map((tip) => [tip.chain, tip.seq, tip.hash]);
  const row = {
    verifiedAt,
    auditId,
    auditHash: hash,
    auditRows,
    ledgerTxns,
    replay: JSON.stringify({ [CHAINS_KEY]: chains, ...Object.fromEntries(accounts) }),
    digest: '',
  };
  return { ...row, digest: checkpointDigest(row) };
}

/**
 * sha256 over the checkpointed row's hash and every other field: an edit by hand (to hide a
 * balance changed before the checkpoint) no longer matches. Like the audit chain, it is not
 * keyed: a forger who knows the scheme can recompute it, which `verify --full` then catches.
 */
function checkpointDigest(row: CheckpointRow): string {
  const fields = [row.verifiedAt, row.auditId, row.auditRows, row.ledgerTxns, row.replay];
  return digest('sha256', row.auditHash + JSON.stringify(fields), 'hex');
}

/**
 * The key of the chains' tips in the replay's JSON: no account number (`ac-12345`) can be it.
 * A checkpoint recorded before chains existed has none: its row is chain 0's, seq = id.
 */
const CHAINS_KEY = 'chains';

/** The replayed accounts and the chains' tips from the JSON; null when toRow did not write it. */
function parseReplay(row: CheckpointRow): { replay: Replay; chains: ChainTip[] } | null {
  const parsed = parseJsonObject(row.replay);
  if (parsed === null) return null;
  const { [CHAINS_KEY]: listed, ...accounts } = parsed;
  const chains =
    listed === undefined
      ? [{ chain: 0, seq: row.auditId, hash: row.auditHash }]
      : parseTips(listed);
  if (chains === null) return null;
  const replay: Replay = new Map();
  for (const [account, state] of Object.entries(accounts)) {
    if (!Array.isArray(state) || state.length !== 2) return null;
    const [balanceCents, closed] = state as unknown[];
    if (!Number.isSafeInteger(balanceCents) || (closed !== 0 && closed !== 1)) return null;
    replay.set(account, { balanceCents: balanceCents as number, closed: closed === 1 });
  }
  return { replay, chains };
}

/** The chains' tips as toRow lists them ([chain, seq, hash]...); null when they are not. */
function parseTips(listed: unknown): ChainTip[] | null {
  if (!Array.isArray(listed)) return null;
  const tips: ChainTip[] = [];
  for (const tip of listed as unknown[]) {
    if (!Array.isArray(tip) || tip.length !== 3) return null;
    const [chain, seq, hash] = tip as unknown[];
    if (!Number.isSafeInteger(chain) || !Number.isSafeInteger(seq)) return null;
    if (typeof hash !== 'string') return null;
    tips.push({ chain: chain as number, seq: seq as number, hash });
  }
  return tips;
}

/**
 * Records where this verify stopped, through a connection that may write (verify itself only
 * reads). Returns the line to print; failing to record (a read-only copy, a busy database) is
 * not a failed verify: the next one then checks every row again.
 */
export async function recordCheckpoint(
  options: AdminOptions,
  checkpoint: Checkpoint,
): Promise<string> {
  try {
    await withChange(options, (tx) => saveCheckpoint(tx, checkpoint));
  } catch (error) {
    const why = (error as Error).message;
    return `  checkpoint not recorded, so the next verify checks every row: ${why}`;
  }
  return (
    `  checkpoint at row ${checkpoint.auditId}: the next verify checks only the rows after ` +
    'it (--full checks every row)'
  );
}
