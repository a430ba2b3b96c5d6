/** Thrown when an invariant fails: always a bug in this program, never a customer's mistake. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/** Checks an invariant; a failure rolls back the surrounding transaction and is logged. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}
