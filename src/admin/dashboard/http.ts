import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COOKIE_ATTRIBUTES, requestToken, TOKEN_COOKIE, tokenMatches } from './guard.js';

/**
 * The dashboard's HTTP side, on Node's own http module: a handful of fixed routes, server-sent
 * events and a few static files need no framework. Every answer carries the security headers;
 * with a token, every request (page, files, stream, dialogue) must carry it.
 */

/** Sent with every answer: no inline script or style, no framing, no type sniffing. */
export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/** Open event streams at most: a classroom's worth; one more is answered 503. */
export const STREAMS_MAX = 200;
/** Bytes queued for one slow page before it is dropped (it reconnects and starts afresh). */
const STREAM_QUEUED_BYTES_MAX = 4 * 1024 * 1024;

/** What the HTTP side asks of the feed. */
export interface DashboardSource {
  /** The event a page gets first: the current state and the newest audit rows. */
  hello(): string;
  /** A connection's dialogue, as JSON. */
  dialogue(conn: number): string;
}

/** The listener once bound: its URL, a way to send an event to every page, and to stop. */
export interface DashboardServer {
  url: string;
  broadcast(event: string, data: string): void;
  close(): Promise<void>;
}

interface StaticFile {
  type: string;
  body: Buffer;
}

/** The page's files, read once at start: a request never touches the disk. */
function loadStaticFiles(): Map<string, StaticFile> {
  const web = fileURLToPath(new URL('../../../web/', import.meta.url));
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  const file = (path: string, type: string): StaticFile => ({ type, body: readFileSync(path) });
  return new Map([
    ['/', file(join(web, 'dashboard.html'), 'text/html; charset=utf-8')],
    ['/dashboard.css', file(join(web, 'dashboard.css'), 'text/css; charset=utf-8')],
    ['/dashboard.js', file(join(web, 'dashboard.js'), 'text/javascript; charset=utf-8')],
    ['/uplot.js', file(join(uplot, 'uPlot.esm.js'), 'text/javascript; charset=utf-8')],
    ['/uplot.css', file(join(uplot, 'uPlot.min.css'), 'text/css; charset=utf-8')],
  ]);
}

/** Binds the dashboard on host:port (0: any free port) and serves it until closed. */
export async function serveDashboard(
  address: { host: string; port: number },
  token: string | undefined,
  source: DashboardSource,
): Promise<DashboardServer> {
  const files = loadStaticFiles();
  const streams = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    try {
      answer({ request, response, token, source, files, streams });
    } catch {
      if (!response.headersSent) response.writeHead(400, TEXT).end('bad request\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address.host, port: address.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {});
  return {
    url: urlOf(server.address() as AddressInfo),
    broadcast: (event, data) => broadcast(streams, event, data),
    close: () => closeServer(server, streams),
  };
}

const TEXT = { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' };

interface Exchange {
  request: http.IncomingMessage;
  response: http.ServerResponse;
  token: string | undefined;
  source: DashboardSource;
  files: Map<string, StaticFile>;
  streams: Set<http.ServerResponse>;
}

/** One request: method, token, then the route. */
function answer(exchange: Exchange): void {
  const { request, response, token, files } = exchange;
  const url = new URL(request.url ?? '/', 'http://dashboard');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...TEXT, allow: 'GET, HEAD' }).end('method not allowed\n');
    return;
  }
  if (token !== undefined && !tokenMatches(requestToken(request, url), token)) {
    response.writeHead(401, TEXT).end('this dashboard needs its token: open /?token=<token>\n');
    return;
  }
  const cookie =
    token === undefined
      ? {}
      : {
          'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; ${COOKIE_ATTRIBUTES}`,
        };
  const file = files.get(url.pathname);
  if (file) {
    response.writeHead(200, { ...SECURITY_HEADERS, ...cookie, 'content-type': file.type });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  } else if (url.pathname === '/favicon.ico') {
    response.writeHead(204, SECURITY_HEADERS).end(); // no icon, and no 404 in the console
  } else if (url.pathname === '/events') {
    openStream(exchange);
  } else if (url.pathname === '/dialogue') {
    answerDialogue(exchange, url);
  } else {
    response.writeHead(404, TEXT).end('not found\n');
  }
}

/** `/dialogue?conn=3000001`: that connection's dialogue from the audit rows the feed keeps. */
function answerDialogue({ response, source }: Exchange, url: URL): void {
  const conn = url.searchParams.get('conn') ?? '';
  if (!/^[0-9]{1,15}$/.test(conn)) {
    response.writeHead(400, TEXT).end('conn must be a connection number\n');
    return;
  }
  const json = { ...SECURITY_HEADERS, 'content-type': 'application/json' };
  response.writeHead(200, json).end(source.dialogue(Number(conn)));
}

/** `/events`: a server-sent event stream; hello first, then every poll's state. */
function openStream({ response, source, streams }: Exchange): void {
  if (streams.size >= STREAMS_MAX) {
    response.writeHead(503, TEXT).end('too many open dashboards\n');
    return;
  }
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream',
    connection: 'keep-alive',
  });
  response.write(`retry: 1000\n\n${eventText('hello', source.hello())}`);
  streams.add(response);
  response.on('close', () => streams.delete(response)); // the page went away
}

function eventText(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

/** Sends one event to every page (serialized once); a page too slow to take it is dropped. */
function broadcast(streams: Set<http.ServerResponse>, event: string, data: string): void {
  const text = eventText(event, data);
  for (const stream of streams) {
    if (stream.writableLength > STREAM_QUEUED_BYTES_MAX) {
      streams.delete(stream);
      stream.destroy();
    } else {
      stream.write(text);
    }
  }
}

function urlOf(bound: AddressInfo): string {
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `http://${host}:${bound.port}/`;
}

function closeServer(server: http.Server, streams: Set<http.ServerResponse>): Promise<void> {
  for (const stream of streams) stream.end();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
