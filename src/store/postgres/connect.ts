import pg from 'pg';
import {
  describeState,
  routeHosts,
  sessionPasses,
  type HostRoute,
  type ServerState,
} from './hosts.js';

/**
 * How each new connection of a pool finds its server when `--db` names several hosts or a
 * target_session_attrs (libpq's multi-host URL, which pg does not take): the hosts are probed in
 * order with a short-lived connection each, until one is what target_session_attrs asks for;
 * the pool's connection is then made to that host, and asked again (a fail-over may have come
 * between). Two connections per new pool connection, and only then: pool connections live long.
 * A bound on connecting holds per host, as libpq's connect_timeout does: a dead first host
 * costs one bound, and the next host is still tried.
 */

/** What a pool needs to connect: a single-host URL pg can parse, the Client, its bound. */
export interface PoolConnection {
  connectionString: string;
  Client: typeof pg.Client;
  /** pg-pool's bound on a whole new connection: every host's probe, then the real one. */
  connectionTimeoutMillis?: number;
}

/** SQLSTATE sqlclient_unable_to_establish_sqlconnection: no listed host would do. */
export const NO_SERVER_STATE = '08001';

/** Asks a connected server whether it is a standby and whether its sessions are read-only. */
const STATE_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  current_setting('transaction_read_only') = 'on' AS read_only`;

/**
 * The connection options of a pool on the URL: pg's own Client for one host taking any server.
 * hostMsMax bounds connecting to one host, unless the URL's connect_timeout says otherwise.
 */
export function poolConnection(url: string, hostMsMax?: number): PoolConnection {
  const route = routeHosts(url);
  const connectionString = route.urls[0]!;
  const perHostMs = route.connectTimeoutMs ?? hostMsMax;
  if (route.urls.length === 1 && route.attrs === 'any') {
    return { connectionString, Client: pg.Client, connectionTimeoutMillis: perHostMs };
  }
  return {
    connectionString,
    Client: routedClient(route, perHostMs),
    connectionTimeoutMillis:
      perHostMs === undefined ? undefined : perHostMs * (route.urls.length + 1),
  };
}

/** Where a host's server listens, as pg reads it from that host's URL (defaults filled in). */
interface Address {
  host: string;
  port: number;
}

/** What one host said when probed: its server's state, or why it could not be asked. */
type Probe = { at: Address; state: ServerState } | { at: Address; error: unknown };

/** A pg.Client that connects to the first host of the route that target_session_attrs keeps. */
function routedClient(route: HostRoute, perHostMs: number | undefined): typeof pg.Client {
  return class RoutedClient extends pg.Client {
    private readonly settings: pg.ClientConfig;

    constructor(config?: pg.ClientConfig) {
      super(config);
      this.settings = config ?? {};
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
      const connected = this.connectRouted();
      if (callback === undefined) return connected;
      connected.then(() => callback(undefined as unknown as Error), callback);
    }

    /** Finds the host, connects to it, and checks it is still what was asked. */
    private async connectRouted(): Promise<pg.Client> {
      const chosen = await chooseHost(route, this.settings, perHostMs);
      this.host = chosen.host;
      this.port = chosen.port;
      // pg's password lookup (~/.pgpass) reads the host from its parameters: the chosen one.
      Object.assign((this as unknown as { connectionParameters: object }).connectionParameters, {
        host: chosen.host,
        port: chosen.port,
      });
      await super.connect();
      const state = await stateOf(this);
      if (!sessionPasses(route.attrs).some((pass) => pass(state))) {
        await this.end().catch(() => {});
        throw noServer(route, [{ at: chosen, state }]);
      }
      return this;
    }
  };
}

/** The first host of the route that a pass keeps, pass after pass; each host probed once. */
async function chooseHost(
  route: HostRoute,
  settings: pg.ClientConfig,
  perHostMs: number | undefined,
): Promise<Address> {
  const probes: Probe[] = [];
  for (const pass of sessionPasses(route.attrs)) {
    for (const [index, url] of route.urls.entries()) {
      probes[index] ??= await probeHost(url, settings, perHostMs);
      const probe = probes[index];
      if ('state' in probe && pass(probe.state)) return probe.at;
    }
  }
  throw noServer(route, probes);
}

/** Connects to one host, asks what it is, and disconnects; an error is an answer too. */
async function probeHost(
  url: string,
  settings: pg.ClientConfig,
  timeoutMs: number | undefined,
): Promise<Probe> {
  const client = new pg.Client({
    ...settings,
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
  });
  client.on('error', () => {}); // a dead server's late error: this probe is over anyway
  const at = { host: client.host, port: client.port };
  try {
    await client.connect();
    return { at, state: await stateOf(client) };
  } catch (error) {
    return { at, error };
  } finally {
    await client.end().catch(() => {});
  }
}

/** A connected server's state. */
async function stateOf(client: pg.ClientBase): Promise<ServerState> {
  const { rows } = await client.query<{ in_recovery: boolean; read_only: boolean }>(STATE_SQL);
  const row = rows[0]!;
  return { inRecovery: row.in_recovery, readOnly: row.read_only };
}

/** host:port as a message shows it (an IPv6 address in brackets); a socket folder as it is. */
function addressName({ host, port }: Address): string {
  if (host.startsWith('/')) return `${host} port ${port}`;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Why a host could not be asked; a refused `localhost` is an AggregateError with no message. */
function failureName(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message || String((error as { code?: unknown }).code ?? error.name);
}

/** The error of a route where no host would do: what each said, under SQLSTATE 08001. */
function noServer(route: HostRoute, probes: Probe[]): Error {
  const said = probes.map((probe) =>
    'state' in probe
      ? `${addressName(probe.at)} is ${describeState(probe.state)}`
      : `${addressName(probe.at)}: ${failureName(probe.error)}`,
  );
  const error = new Error(
    `no server of ${route.urls.length} host(s) is ` +
      `target_session_attrs=${route.attrs} (${said.join('; ')})`,
  );
  return Object.assign(error, { code: NO_SERVER_STATE });
}
