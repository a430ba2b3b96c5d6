import { describe, expect, it } from 'vitest';
import { ConnectionLost, ConnectTimeout } from '../../src/atm/client.js';
import { describeConnectFailure } from '../../src/atm/connect-text.js';

const ENDPOINT = { host: 'bank.example', port: 65431 };

/** A ConnectionLost as AtmConnection.connect gives it: the socket's error as its cause. */
function lost(code: string, errno?: number, message = `connect ${code}`): ConnectionLost {
  const cause = Object.assign(new Error(message), { code, errno });
  return new ConnectionLost(cause.message, { cause });
}

describe('describeConnectFailure', () => {
  it.each([
    [
      'refused',
      lost('ECONNREFUSED', -111),
      'No bank server at bank.example:65431 (connection refused).',
    ],
    [
      'an unknown host',
      lost('ENOTFOUND', -3008, 'getaddrinfo ENOTFOUND bank.example'),
      'Cannot find host bank.example.',
    ],
    [
      'a name server that did not answer',
      lost('EAI_AGAIN', -3001),
      'Cannot find host bank.example (the name server did not answer; try again).',
    ],
    [
      'no answer within the connect timeout',
      new ConnectionLost('timed out', { cause: new ConnectTimeout(5000) }),
      'The bank at bank.example:65431 did not answer within 5 s.',
    ],
    [
      'the system timing out',
      lost('ETIMEDOUT', -110),
      'The bank at bank.example:65431 did not answer in time.',
    ],
    [
      'any other errno, in words',
      lost('EHOSTUNREACH', -113),
      'Cannot reach the bank at bank.example:65431: host is unreachable (EHOSTUNREACH).',
    ],
    [
      'an error with no errno (TLS)',
      lost('DEPTH_ZERO_SELF_SIGNED_CERT', undefined, 'self-signed certificate'),
      'Cannot reach the bank at bank.example:65431: ' +
        'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT).',
    ],
  ])('says plainly: %s', (_what, error, sentence) => {
    expect(describeConnectFailure(ENDPOINT, error)).toBe(sentence);
  });
});
