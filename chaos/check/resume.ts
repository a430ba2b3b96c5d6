// Invariant: after each fault ends, service resumes within the stated time: some ATM gets an
// acknowledged reply (ok) at most resumeMsMax after the fault was healed. Pure.
import type { Op } from '../history.js';
import type { Invariant } from './invariant.js';

/** A fault as it was injected: what, and when it started and was healed (ms since the start). */
export interface FaultWindow {
  kind: string;
  startMs: number;
  healedMs: number;
}

/** The resume check's verdict, with the worst time to resume that was measured. */
export interface ResumeVerdict extends Invariant {
  worstResumeMs: number | null;
}

/** Checks each fault's time to resume; runEndMs is when the ATMs stopped starting work. */
export function checkResume(
  ops: readonly Op[],
  faults: readonly FaultWindow[],
  limits: { resumeMsMax: number; runEndMs: number },
): ResumeVerdict {
  const okTimes = ops
    .filter((op) => op.type === 'ok')
    .map((op) => op.completeMs)
    .sort((a, b) => a - b);
  const violations: string[] = [];
  let worst: number | null = null;
  for (const fault of faults) {
    const next = okTimes.find((ms) => ms >= fault.healedMs);
    const resumeMs = next === undefined ? null : next - fault.healedMs;
    const waitedMs = limits.runEndMs - fault.healedMs;
    if (resumeMs === null && waitedMs < limits.resumeMsMax) continue; // the run ended first
    const measured = Math.round((resumeMs ?? waitedMs) * 10) / 10;
    worst = Math.max(worst ?? 0, measured);
    if (resumeMs === null || resumeMs > limits.resumeMsMax) {
      const took = resumeMs === null ? `no service in the ${measured} ms left` : `${measured} ms`;
      violations.push(
        `${fault.kind} healed @${fault.healedMs} ms: ${took} to resume ` +
          `(limit ${limits.resumeMsMax} ms)`,
      );
    }
  }
  return {
    name: `service resumes within ${limits.resumeMsMax} ms of each fault's end`,
    checked: faults.length,
    violations,
    worstResumeMs: worst,
  };
}
