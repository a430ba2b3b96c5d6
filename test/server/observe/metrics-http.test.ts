import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type PromMetrics } from '../../../src/server/observe/metrics.js';
import { serveMetrics, type MetricsServer } from '../../../src/server/observe/metrics-http.js';

let web: MetricsServer | undefined;
afterEach(async () => {
  await web?.close();
  web = undefined;
});

/** The metrics listener on a free loopback port, with the given metrics and health check. */
async function listen(metrics: PromMetrics, problem: () => string | undefined): Promise<string> {
  web = await serveMetrics({ host: '127.0.0.1', port: 0 }, metrics, problem);
  return web.url.replace('/metrics', '');
}

describe('the metrics listener', () => {
  it('answers 500 when a scrape fails, and keeps serving', async () => {
    const metrics = createMetrics();
    metrics.registry.metrics = () => Promise.reject(new Error('collector failed'));
    const base = await listen(metrics, () => undefined);
    const failed = await fetch(`${base}/metrics`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain('collector failed');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers 405 with Allow: GET, HEAD to other methods; HEAD is served', async () => {
    const base = await listen(createMetrics(), () => undefined);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      for (const path of ['/metrics', '/healthz']) {
        const response = await fetch(`${base}${path}`, { method });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toBe('GET, HEAD');
      }
    }
    expect((await fetch(`${base}/metrics`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });

  it('/healthz is 503 with the problem while there is one, 200 once gone', async () => {
    let problem: string | undefined = 'last commit failed';
    const base = await listen(createMetrics(), () => problem);
    const sick = await fetch(`${base}/healthz`);
    expect([sick.status, await sick.text()]).toEqual([503, 'last commit failed\n']);
    problem = undefined;
    const well = await fetch(`${base}/healthz`);
    expect([well.status, await well.text()]).toEqual([200, 'ok\n']);
  });
});
