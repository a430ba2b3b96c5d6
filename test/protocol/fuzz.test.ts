import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/protocol/codes.js';
import { decodeReply, decodeRequest } from '../../src/protocol/decode.js';
import { encodeRequest } from '../../src/protocol/encode.js';
import { Framer } from '../../src/protocol/framer.js';
import { Limits } from '../../src/protocol/limits.js';
import { allVectorLines } from './vectors.js';

// Fixed seeds: a failure reproduces on every run and every machine.
const SEED = 20_241_125;
const RUNS = 2_000;
const settings = { seed: SEED, numRuns: RUNS };

/** Bytes cut at the given points (sorted, clamped), so chunks may be empty or one byte. */
function cut(stream: Uint8Array, points: number[]): Buffer[] {
  const sorted = points.map((p) => Math.min(p, stream.length)).sort((a, b) => a - b);
  const bounds = [0, ...sorted, stream.length];
  return bounds.slice(1).map((end, i) => Buffer.from(stream.subarray(bounds[i], end)));
}

/** Near-miss request lines: verbs, fields and separators the grammar uses, mixed at random. */
const token = fc.oneof(
  fc.constantFrom('LOGIN', 'LOGOUT', 'BALANCE', 'DEPOSIT', 'WITHDRAW', 'OUTCOME', 'PING'),
  fc.constantFrom('login', 'Deposit', 'ac-12345', 'AC-00001', 'ac-1234', '1234', '0000', '12345'),
  fc.constantFrom('0', '1', '007', '-5', '1.5', '1000000', '1000001', '99999999999', 'abc'),
  fc.stringMatching(/^[A-Za-z0-9]{1,34}$/),
  fc.stringMatching(/^[0-9]{1,12}$/),
  fc.string({ maxLength: 6 }),
);
const separator = fc.constantFrom(' ', ' ', ' ', '  ', '', '\t');
const nearLine = fc.array(fc.tuple(token, separator), { maxLength: 4 }).map((parts) =>
  parts
    .map(([t, s]) => `${t}${s}`)
    .join('')
    .trimEnd(),
);
const terminator = fc.constantFrom('\n', '\r\n', '\n', '\r', '');
const nearStream = fc
  .array(fc.tuple(nearLine, terminator), { maxLength: 6 })
  .map((lines) => Buffer.from(lines.map(([l, t]) => `${l}${t}`).join(''), 'latin1'));

/** Random bytes, near-miss lines, or golden lines with random bytes spliced in. */
const anyStream = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  nearStream,
  fc
    .tuple(fc.subarray(allVectorLines), fc.uint8Array({ maxLength: 4 }))
    .map(([lines, noise]) =>
      Buffer.concat([Buffer.from(lines.join('\n') + '\n', 'latin1'), noise]),
    ),
);
const chunkedStream = fc.tuple(anyStream, fc.array(fc.nat({ max: 320 }), { maxLength: 8 }));
const frameLimit = fc.constantFrom(Limits.frameBytesAnonMax, Limits.frameBytesMax, 8, 1);

/** Feeds chunks until the first error, checking the memory bound after every push. */
function frameAll(framer: Framer, chunks: Buffer[]): { frames: string[]; failed: boolean } {
  const frames: string[] = [];
  for (const chunk of chunks) {
    const result = framer.push(chunk);
    expect(framer.bufferedBytes).toBeLessThan(framer.frameBytesMax);
    if ('error' in result) return { frames, failed: true };
    frames.push(...result.frames);
  }
  return { frames, failed: false };
}

describe('fuzz: Framer', () => {
  it('never throws, holds fewer than frameBytesMax bytes, and frames only printable lines', () => {
    fc.assert(
      fc.property(chunkedStream, frameLimit, ([stream, points], frameBytesMax) => {
        const framer = new Framer(frameBytesMax);
        const { frames } = frameAll(framer, cut(stream, points));
        for (const frame of frames) {
          expect(frame.length).toBeLessThan(frameBytesMax);
          expect(frame).toMatch(/^[\x20-\x7e]*$/);
        }
      }),
      settings,
    );
  });

  it('gives the same verdict however an LF-terminated stream is split', () => {
    fc.assert(
      fc.property(chunkedStream, ([stream, points]) => {
        const whole = Buffer.concat([stream, Buffer.from('\n')]);
        const once = frameAll(new Framer(Limits.frameBytesMax), [whole]);
        const split = frameAll(new Framer(Limits.frameBytesMax), cut(whole, points));
        expect(split.failed).toBe(once.failed);
        if (!once.failed) expect(split.frames).toEqual(once.frames);
      }),
      settings,
    );
  });
});

describe('fuzz: decoders on framed input', () => {
  it('decodeRequest never throws; every request re-encodes to a line that decodes the same', () => {
    let decoded = 0;
    fc.assert(
      fc.property(chunkedStream, ([stream, points]) => {
        const { frames } = frameAll(new Framer(Limits.frameBytesMax), cut(stream, points));
        for (const frame of frames) {
          const request = decodeRequest(frame);
          if (request.kind === 'error') {
            expect([Code.formatError, Code.invalidAmount, Code.amountLimit]).toContain(
              request.code,
            );
            continue;
          }
          decoded += 1;
          const wire = encodeRequest(request);
          expect(wire.length).toBeLessThanOrEqual(Limits.frameBytesMax);
          expect(decodeRequest(wire.slice(0, -1))).toEqual(request);
        }
      }),
      settings,
    );
    // The generators must reach valid requests, or the round trip above proves nothing.
    expect(decoded).toBeGreaterThan(RUNS / 10);
  });

  it('decodeReply never throws and returns null or a reply of a known shape', () => {
    fc.assert(
      fc.property(chunkedStream, ([stream, points]) => {
        const { frames } = frameAll(new Framer(Limits.replyBytesMax), cut(stream, points));
        for (const frame of frames) {
          const reply = decodeReply(frame);
          if (reply !== null) expect(['bare', 'balance', 'login', 'tries']).toContain(reply.kind);
        }
      }),
      settings,
    );
  });

  it('neither decoder throws on any string at all, framed or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const request = decodeRequest(text);
        expect(request).toHaveProperty('kind');
        decodeReply(text);
      }),
      settings,
    );
  });
});
