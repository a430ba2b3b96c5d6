import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PromMetrics } from './metrics.js';
import { listenError } from './startup-errors.js';

/** The metrics listener once bound: its URL, and a way to stop it. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text from prom-client) and `GET /healthz` (200 while the
 * database answers, else 503) on the operator's address. Bound before the database is opened,
 * so a taken port fails the start with nothing created.
 */
export async function serveMetrics(
  address: { host: string; port: number },
  metrics: PromMetrics,
  healthy: () => boolean,
): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    void answerHttp(request.url ?? '', metrics, healthy, response);
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
  const close = (): Promise<void> => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return { url: `http://${host}:${bound.port}/metrics`, close };
}

const METRICS_FLAGS = { host: '--metrics', port: '--metrics' };

/** One scrape or health check; anything else is 404. */
async function answerHttp(
  url: string,
  metrics: PromMetrics,
  healthy: () => boolean,
  response: http.ServerResponse,
): Promise<void> {
  const path = url.split('?')[0];
  if (path === '/metrics') {
    const body = await metrics.registry.metrics();
    response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
  } else if (path === '/healthz') {
    const ok = healthy();
    response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
      .end(ok ? 'ok\n' : 'database not answering\n');
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
  }
}
