// The command line of `npm run chaos -- [--seconds N] [--seed S] [--engine E] [--json FILE]
// [--faults KIND,KIND]`. Pure. E is postgres, sqlite, failover (the primary + standby world),
// both (postgres and sqlite: the default) or all three.

/** The worlds a chaos run knows, in the order `all` runs them. */
export const ENGINES = ['postgres', 'sqlite', 'failover'] as const;
export type Engine = (typeof ENGINES)[number];

/** What a chaos run was asked for. */
export interface ChaosOptions {
  /** Seconds of work per engine (faults and ATMs), before settling and checking. */
  seconds: number;
  seed: number;
  engines: Engine[];
  /** Where to write the report as JSON (the vitest test reads it), if anywhere. */
  jsonFile: string | null;
  /** Only these kinds of fault (--faults a,b), or every kind an engine offers (null). */
  faults: string[] | null;
}

/** Seconds per engine at least (a fault and its resume limit fit) and at most (one hour). */
const SECONDS_MIN = 10;
const SECONDS_MAX = 3600;

/** Parses the arguments; randomSeed is used when --seed is not given. */
export function parseChaosOptions(argv: string[], randomSeed: number): ChaosOptions {
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    return at === -1 ? undefined : argv[at + 1];
  };
  const seconds = Number(value('--seconds') ?? 30);
  if (!Number.isInteger(seconds) || seconds < SECONDS_MIN || seconds > SECONDS_MAX) {
    throw new Error(`--seconds takes a whole number from ${SECONDS_MIN} to ${SECONDS_MAX}`);
  }
  const seed = Number(value('--seed') ?? randomSeed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error('--seed takes a whole number');
  const engine = value('--engine') ?? 'both';
  const named: Record<string, Engine[]> = {
    both: ['postgres', 'sqlite'],
    all: [...ENGINES],
    ...Object.fromEntries(ENGINES.map((one) => [one, [one]])),
  };
  const engines = named[engine];
  if (engines === undefined) {
    throw new Error('--engine takes postgres, sqlite, failover, both or all');
  }
  const faults =
    value('--faults')
      ?.split(',')
      .filter((kind) => kind !== '') ?? null;
  return {
    seconds,
    seed,
    engines,
    jsonFile: value('--json') ?? null,
    faults,
  };
}
