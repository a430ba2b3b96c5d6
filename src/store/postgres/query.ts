/**
 * One SQL statement on the connection of the transaction in hand, with positional parameters
 * ($1, $2, …); resolves with its rows. The PostgreSQL engine's modules take this, not a pg client,
 * so each can be handed the client of a batch, a snapshot or an admin change.
 */
export type Query = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;
