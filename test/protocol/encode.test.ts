import { describe, expect, it } from 'vitest';
import { encodeReply, encodeRequest } from '../../src/protocol/encode.js';
import { replyVectors, requestVectors } from './vectors.js';

describe('encodeRequest', () => {
  it.each(requestVectors)('encodes the golden vector "$line" with an LF', ({ line, request }) => {
    expect(encodeRequest(request)).toBe(`${line}\n`);
  });
});

describe('encodeReply', () => {
  it.each(replyVectors)('encodes the golden vector "$line" with an LF', ({ line, reply }) => {
    expect(encodeReply(reply)).toBe(`${line}\n`);
  });

  it('writes a one-digit code with its leading zero', () => {
    expect(encodeReply({ kind: 'bare', code: 9 })).toBe('09\n');
    expect(encodeReply({ kind: 'bare', code: 0 })).toBe('00\n');
  });
});
