import { afterAll, beforeAll, expect } from 'vitest';
import { startServer, type StartOptions, type TestServer } from './server.js';

/**
 * One server for the tests of a describe block: started before the first, stopped after the
 * last, which must exit 0. The object is filled in when the server starts, so read its fields
 * inside the tests and hooks.
 */
export function serverPerSuite(options: StartOptions = {}): TestServer {
  const server = {} as TestServer;
  beforeAll(async () => {
    Object.assign(server, await startServer(options));
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });
  return server;
}
