import { describe, expect, it } from 'vitest';
import { Framer, type FramerResult } from '../../src/protocol/framer.js';
import { Limits } from '../../src/protocol/limits.js';
import { allVectorLines } from './vectors.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Pushes chunks in order; returns every frame, or the first error. */
function pushAll(framer: Framer, chunks: Buffer[]): FramerResult {
  const frames: string[] = [];
  for (const chunk of chunks) {
    const result = framer.push(chunk);
    if ('error' in result) return result;
    frames.push(...result.frames);
  }
  return { frames };
}

/** The stream cut into two chunks at offset (either may be empty). */
function splitAt(stream: Buffer, offset: number): Buffer[] {
  return [stream.subarray(0, offset), stream.subarray(offset)];
}

describe.each([
  ['LF', '\n'],
  ['CRLF', '\r\n'],
])('Framer with %s terminators', (_name, eol) => {
  it.each(allVectorLines)('frames "%s" split at every byte offset the same way', (line) => {
    const stream = bytes(`${line}${eol}`);
    for (let offset = 0; offset <= stream.length; offset++) {
      const framer = new Framer(Limits.frameBytesMax);
      expect(pushAll(framer, splitAt(stream, offset)), `offset ${offset}`).toEqual({
        frames: [line],
      });
      expect(framer.bufferedBytes).toBe(0);
    }
  });

  it('frames every vector pushed one byte at a time', () => {
    const stream = bytes(allVectorLines.map((line) => `${line}${eol}`).join(''));
    const chunks = [...stream].map((byte) => Buffer.from([byte]));
    expect(pushAll(new Framer(Limits.frameBytesMax), chunks)).toEqual({ frames: allVectorLines });
  });

  it('frames every vector from one chunk, in order', () => {
    const stream = bytes(allVectorLines.map((line) => `${line}${eol}`).join(''));
    expect(new Framer(Limits.frameBytesMax).push(stream)).toEqual({ frames: allVectorLines });
  });

  it('frames all the vectors in one stream split at every byte offset', () => {
    const stream = bytes(allVectorLines.map((line) => `${line}${eol}`).join(''));
    for (let offset = 0; offset <= stream.length; offset++) {
      const result = pushAll(new Framer(Limits.frameBytesMax), splitAt(stream, offset));
      expect(result, `offset ${offset}`).toEqual({ frames: allVectorLines });
    }
  });

  it('yields an empty frame for an empty line (the decoder answers it)', () => {
    expect(new Framer(Limits.frameBytesMax).push(bytes(`${eol}${eol}`))).toEqual({
      frames: ['', ''],
    });
  });
});

describe('Framer terminators', () => {
  it('accepts LF and CRLF lines mixed in one chunk', () => {
    const result = new Framer(Limits.frameBytesMax).push(bytes('PING\nBALANCE\r\nLOGOUT\n'));
    expect(result).toEqual({ frames: ['PING', 'BALANCE', 'LOGOUT'] });
  });

  it('holds a CR at the end of a chunk until the LF arrives in the next', () => {
    const framer = new Framer(Limits.frameBytesMax);
    expect(framer.push(bytes('PING\r'))).toEqual({ frames: [] });
    expect(framer.bufferedBytes).toBe(5);
    expect(framer.push(bytes('\n'))).toEqual({ frames: ['PING'] });
    expect(framer.bufferedBytes).toBe(0);
  });

  it('holds the start of a line and reports how many bytes it holds', () => {
    const framer = new Framer(Limits.frameBytesMax);
    expect(framer.push(bytes('BALANCE\nPI'))).toEqual({ frames: ['BALANCE'] });
    expect(framer.bufferedBytes).toBe(2);
    expect(framer.push(bytes('N'))).toEqual({ frames: [] });
    expect(framer.bufferedBytes).toBe(3);
    expect(framer.push(bytes('G\nPING\n'))).toEqual({ frames: ['PING', 'PING'] });
    expect(framer.bufferedBytes).toBe(0);
  });
});

describe.each([Limits.frameBytesAnonMax, Limits.frameBytesMax])(
  'Framer overflow at frameBytesMax = %i',
  (frameBytesMax) => {
    const fill = (n: number): string => 'A'.repeat(n);

    it('passes a frame of exactly frameBytesMax bytes, LF included', () => {
      const line = fill(frameBytesMax - 1);
      expect(new Framer(frameBytesMax).push(bytes(`${line}\n`))).toEqual({ frames: [line] });
    });

    it('passes a frame of exactly frameBytesMax bytes, CRLF included', () => {
      const line = fill(frameBytesMax - 2);
      expect(new Framer(frameBytesMax).push(bytes(`${line}\r\n`))).toEqual({ frames: [line] });
    });

    it('fails a frame one byte longer, LF or CRLF', () => {
      expect(new Framer(frameBytesMax).push(bytes(`${fill(frameBytesMax)}\n`))).toEqual({
        error: 'overflow',
      });
      expect(new Framer(frameBytesMax).push(bytes(`${fill(frameBytesMax - 1)}\r\n`))).toEqual({
        error: 'overflow',
      });
    });

    it('holds an unterminated line of frameBytesMax - 1 bytes, then frames it on LF', () => {
      const framer = new Framer(frameBytesMax);
      const line = fill(frameBytesMax - 1);
      expect(framer.push(bytes(line))).toEqual({ frames: [] });
      expect(framer.bufferedBytes).toBe(frameBytesMax - 1);
      expect(framer.push(bytes('\n'))).toEqual({ frames: [line] });
    });

    it('fails an unterminated line of frameBytesMax bytes without waiting for its LF', () => {
      expect(new Framer(frameBytesMax).push(bytes(fill(frameBytesMax)))).toEqual({
        error: 'overflow',
      });
    });

    it('counts an unterminated line across chunks', () => {
      const framer = new Framer(frameBytesMax);
      const half = Math.floor(frameBytesMax / 2);
      expect(framer.push(bytes(fill(half)))).toEqual({ frames: [] });
      expect(framer.push(bytes(fill(frameBytesMax - 1 - half)))).toEqual({ frames: [] });
      expect(framer.bufferedBytes).toBe(frameBytesMax - 1);
      expect(framer.push(bytes('A'))).toEqual({ error: 'overflow' });
    });

    it('counts a held part and the rest of its line together', () => {
      const framer = new Framer(frameBytesMax);
      expect(framer.push(bytes(fill(10)))).toEqual({ frames: [] });
      expect(framer.push(bytes(`${fill(frameBytesMax - 10)}\n`))).toEqual({ error: 'overflow' });
    });

    it('gives each line its own budget: many full-size frames in one chunk pass', () => {
      const line = fill(frameBytesMax - 1);
      const stream = bytes(`${line}\n`.repeat(5));
      expect(new Framer(frameBytesMax).push(stream)).toEqual({ frames: Array(5).fill(line) });
    });
  },
);

describe('Framer after login', () => {
  it('takes the larger frame limit when frameBytesMax is raised', () => {
    const framer = new Framer(Limits.frameBytesAnonMax);
    const line = 'A'.repeat(Limits.frameBytesMax - 1);
    framer.frameBytesMax = Limits.frameBytesMax;
    expect(framer.push(bytes(`${line}\n`))).toEqual({ frames: [line] });
  });
});

describe('Framer garbage', () => {
  const garbageLines: [string, Buffer][] = [
    ['NUL', Buffer.from([0x50, 0x00, 0x0a])],
    ['SOH', Buffer.from([0x01, 0x0a])],
    ['TAB', bytes('PING\t\n')],
    ['ESC', bytes('\x1b[2J\n')],
    ['DEL 0x7F', Buffer.from([0x50, 0x7f, 0x0a])],
    ['0x80', Buffer.from([0x50, 0x80, 0x0a])],
    ['0xFF', Buffer.from([0xff, 0x0a])],
    ['UTF-8 é', Buffer.from('caf\u00e9\n', 'utf8')],
    ['lone CR mid-line', bytes('PI\rNG\n')],
    ['CR CR LF', bytes('PING\r\r\n')],
    ['CR alone before CRLF', bytes('\r\r\n')],
  ];

  it.each(garbageLines)('closes on %s in a terminated line', (_name, stream) => {
    expect(new Framer(Limits.frameBytesMax).push(stream)).toEqual({ error: 'garbage' });
  });

  it.each(garbageLines)('closes on %s in a line split at every offset', (_name, stream) => {
    for (let offset = 0; offset <= stream.length; offset++) {
      const result = pushAll(new Framer(Limits.frameBytesMax), splitAt(stream, offset));
      expect(result, `offset ${offset}`).toEqual({ error: 'garbage' });
    }
  });

  it.each([
    ['NUL', Buffer.from([0x50, 0x00])],
    ['0x7F', Buffer.from([0x7f])],
    ['0x80', Buffer.from([0x80, 0x41])],
    ['lone CR mid-line', bytes('PI\rNG')],
  ])('closes on %s before the line ends', (_name, stream) => {
    expect(new Framer(Limits.frameBytesMax).push(stream)).toEqual({ error: 'garbage' });
  });

  it('closes on a lone CR whose line goes on in the next chunk', () => {
    const framer = new Framer(Limits.frameBytesMax);
    expect(framer.push(bytes('PI\r'))).toEqual({ frames: [] });
    expect(pushAll(framer, [bytes('NG'), bytes('\n')])).toEqual({ error: 'garbage' });
  });

  it('closes on garbage that follows a good line', () => {
    const framer = new Framer(Limits.frameBytesMax);
    expect(framer.push(bytes('PING\n'))).toEqual({ frames: ['PING'] });
    expect(framer.push(Buffer.from([0x00, 0x0a]))).toEqual({ error: 'garbage' });
  });

  it('accepts every printable byte 0x20-0x7E', () => {
    const printable = Buffer.from(Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i));
    const result = new Framer(Limits.frameBytesMax).push(Buffer.concat([printable, bytes('\n')]));
    expect(result).toEqual({ frames: [printable.toString('latin1')] });
  });

  it('refuses every byte outside 0x20-0x7E (CR and LF aside)', () => {
    for (let byte = 0; byte < 256; byte++) {
      if ((byte >= 0x20 && byte <= 0x7e) || byte === 0x0a || byte === 0x0d) continue;
      const stream = Buffer.from([0x41, byte, 0x41, 0x0a]);
      const result = new Framer(Limits.frameBytesMax).push(stream);
      expect(result, `byte 0x${byte.toString(16)}`).toEqual({ error: 'garbage' });
    }
  });
});
