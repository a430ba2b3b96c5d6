/** Resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls until check gives a value other than undefined or false, and returns it. Bounded: a
 * broken server fails the test with what it waited for, never hangs it.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  limitMs = 20_000,
  stepMs = 20,
): Promise<T> {
  for (const start = Date.now(); Date.now() - start < limitMs;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await sleep(stepMs);
  }
  throw new Error(`gave up waiting for ${what}`);
}
