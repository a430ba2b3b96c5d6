import { describe, expect, it } from 'vitest';
import { decodeReply, decodeRequest } from '../../src/protocol/decode.js';
import { encodeReply, encodeRequest } from '../../src/protocol/encode.js';
import { replyVectors, requestVectors } from './vectors.js';

/** The line an encoder wrote, without the LF that the framer strips. */
function stripLf(wire: string): string {
  expect(wire.endsWith('\n')).toBe(true);
  return wire.slice(0, -1);
}

describe('codec round trip over the golden vectors', () => {
  it.each(requestVectors)('request "$line": decode(encode(x)) = x', ({ line, request }) => {
    expect(decodeRequest(stripLf(encodeRequest(request)))).toEqual(request);
    expect(stripLf(encodeRequest(decodeRequest(line) as typeof request))).toBe(line);
  });

  it.each(replyVectors)('reply "$line": decode(encode(x)) = x', ({ line, reply }) => {
    expect(decodeReply(stripLf(encodeReply(reply)))).toEqual(reply);
    expect(stripLf(encodeReply(decodeReply(line)!))).toBe(line);
  });

  it('has no two vectors with the same line (the table is a bijection)', () => {
    const lines = [...requestVectors, ...replyVectors].map((v) => v.line);
    expect(new Set(lines).size).toBe(lines.length);
  });
});
