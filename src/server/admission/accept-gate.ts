import { assert } from '../../assert.js';

/**
 * The connection caps (PROTOCOL.md §7): connections open in all, and per address group (IPv4
 * /24, IPv6 /64, see address-group.ts). A slot is taken when the TCP connection is accepted,
 * before any TLS handshake, and given back when its socket closes.
 */
export class AcceptGate {
  private open = 0;
  private readonly perGroup = new Map<string, number>();

  constructor(
    readonly totalMax: number,
    readonly perGroupMax: number,
  ) {
    assert(totalMax >= 1, 'at least one connection fits');
    assert(perGroupMax >= 1, 'at least one connection fits per group');
  }

  /**
   * Takes a slot for a connection from the group; false when a cap is reached. A trusted group
   * (`--trust`) passes capped false: only the total cap holds it.
   */
  take(group: string, capped = true): boolean {
    const fromGroup = this.perGroup.get(group) ?? 0;
    if (this.open >= this.totalMax || (capped && fromGroup >= this.perGroupMax)) return false;
    this.open += 1;
    this.perGroup.set(group, fromGroup + 1);
    return true;
  }

  /** Gives back a slot taken for the group. */
  give(group: string): void {
    const fromGroup = this.perGroup.get(group);
    assert(fromGroup !== undefined && fromGroup >= 1, 'a slot is given back only once');
    assert(this.open >= 1, 'the open count stays whole');
    this.open -= 1;
    if (fromGroup === 1) this.perGroup.delete(group);
    else this.perGroup.set(group, fromGroup - 1);
  }

  /** Connections holding a slot now. */
  get size(): number {
    return this.open;
  }
}
