import { Code, type CodeNumber } from '../protocol/codes.js';

/**
 * `bank atm`'s exit statuses: README "The ATM". A refusal the bank gives (51, 55, 75 …) is an
 * answer, not a failure; only a bank that could not be reached, went away, or broke down is.
 */
export const AtmExit = {
  ok: 0,
  /** A bad option or argument (commander), or the ATM's own unexpected error. */
  usage: 1,
  /** The bank could not be reached, or went away (91) and was not back when the ATM ended. */
  unreachable: 2,
  /** The bank reported an internal error (96). */
  bankFault: 3,
} as const;

export type AtmExitStatus = (typeof AtmExit)[keyof typeof AtmExit];

/** The exit status a result code calls for on its own: 91 and 96 fail the run; others do not. */
export function exitForCode(code: CodeNumber): AtmExitStatus {
  if (code === Code.unavailable) return AtmExit.unreachable;
  if (code === Code.internal) return AtmExit.bankFault;
  return AtmExit.ok;
}

/** Of two statuses, the one to report: a lost bank (2) over a bank fault (3) over success. */
export function worseExit(first: AtmExitStatus, second: AtmExitStatus): AtmExitStatus {
  if (first === AtmExit.unreachable || second === AtmExit.unreachable) return AtmExit.unreachable;
  return first === AtmExit.ok ? second : first;
}
