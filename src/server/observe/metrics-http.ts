import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PromMetrics } from './metrics.js';
import { listenError } from '../startup-errors.js';

/** The metrics listener once bound: its URL, and a way to stop it. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Why the server is unhealthy (/healthz answers 503 with it), or undefined when well. */
export type HealthCheck = () => string | undefined | Promise<string | undefined>;

/**
 * Serves `GET /metrics` (Prometheus text from prom-client) and `GET /healthz` (200 while the
 * database answers and commits, else 503) on the operator's address; other methods get 405, a
 * failed scrape 500. Bound before the database is opened, so a taken port fails the start with
 * nothing created.
 */
export async function serveMetrics(
  address: { host: string; port: number },
  metrics: PromMetrics,
  health: HealthCheck,
): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    answerHttp(request, metrics, health, response).catch(() => {
      if (response.headersSent) response.destroy();
      else response.writeHead(500, TEXT).end('metrics unavailable\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void => reject(listenError(error, address, METRICS_FLAGS));
    server.once('error', fail);
    server.listen({ host: address.host, port: address.port }, () => {
      server.off('error', fail);
      resolve();
    });
  });
  server.on('error', () => {}); // after binding, a failed scrape only ends that request
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url: `http://${host}:${bound.port}/metrics`, close };
}

const METRICS_FLAGS = { host: '--metrics', port: '--metrics' };

const TEXT = { 'content-type': 'text/plain' };

/** One scrape or health check (GET or HEAD); another method is 405, another path 404. */
async function answerHttp(
  request: http.IncomingMessage,
  metrics: PromMetrics,
  health: HealthCheck,
  response: http.ServerResponse,
): Promise<void> {
  const path = (request.url ?? '').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...TEXT, allow: 'GET, HEAD' }).end('method not allowed\n');
  } else if (path === '/metrics') {
    const body = await metrics.registry.metrics();
    response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
  } else if (path === '/healthz') {
    const problem = await health();
    response.writeHead(problem === undefined ? 200 : 503, TEXT).end(`${problem ?? 'ok'}\n`);
  } else {
    response.writeHead(404, TEXT).end('not found: try /metrics\n');
  }
}
