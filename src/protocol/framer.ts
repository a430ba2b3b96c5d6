/** What a push yields: the complete frames so far, or the reason the stream must be closed. */
export type FramerResult = { frames: string[] } | { error: 'overflow' | 'garbage' };

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines: PROTOCOL.md §2. Holds at most `frameBytesMax` bytes of an
 * unfinished line, so a peer that never sends a terminator costs a bounded amount of memory.
 */
export class Framer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(public frameBytesMax: number) {}

  /** Bytes of an unfinished line held right now (for slow-drip timers and tests). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Adds bytes; returns every line they complete, or an error once the stream breaks a rule. */
  push(chunk: Buffer): FramerResult {
    const frames: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(LF, start); end !== -1; end = chunk.indexOf(LF, start)) {
      const line = this.takeLine(chunk.subarray(start, end));
      if (line === 'overflow' || line === 'garbage') return { error: line };
      frames.push(line.text);
      start = end + 1;
    }
    return this.keepRest(chunk.subarray(start), frames);
  }

  /** Joins the held bytes with the rest of a line (LF excluded) and checks it against the rules. */
  private takeLine(tail: Buffer): { text: string } | 'overflow' | 'garbage' {
    const bytes = this.pendingBytes === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    if (bytes.length + 1 > this.frameBytesMax) return 'overflow';
    const body = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
    return isPrintableAscii(body) ? { text: body.toString('latin1') } : 'garbage';
  }

  /** Holds an unfinished line, or reports overflow once it can no longer fit in a frame. */
  private keepRest(rest: Buffer, frames: string[]): FramerResult {
    if (rest.length === 0) return { frames };
    // A frame of frameBytesMax bytes ends in LF, so at most frameBytesMax - 1 bytes may wait.
    if (this.pendingBytes + rest.length > this.frameBytesMax - 1) return { error: 'overflow' };
    if (!isPrintableAscii(rest, { allowFinalCr: true })) return { error: 'garbage' };
    this.pending.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
    return { frames };
  }
}

/** True when every byte is visible ASCII or space (%x20-7E); a final CR may be allowed. */
function isPrintableAscii(bytes: Buffer, { allowFinalCr = false } = {}): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x20 && byte <= 0x7e) continue;
    if (allowFinalCr && byte === CR && i === bytes.length - 1) continue;
    return false;
  }
  return true;
}
