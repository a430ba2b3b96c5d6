import { sleep } from './poll.js';
import { WireClient } from './wire.js';

/** A customer: account number and PIN. */
export interface Customer {
  account: string;
  pin: string;
}

/** count customers with consecutive account numbers from `first` (ac-20001, …). */
export function makeCustomers(count: number, first = 20_001): Customer[] {
  return Array.from({ length: count }, (_, i) => ({
    account: `ac-${first + i}`,
    pin: String((1000 + i * 7919) % 10_000).padStart(4, '0'),
  }));
}

/** The accounts.txt content that seeds these customers, each with the same opening balance. */
export function accountsText(customers: Customer[], dollars: string): string {
  return customers.map((c) => `${c.account}, ${c.pin}, ${dollars}\n`).join('');
}

/** Sends lines one at a time on a fresh connection from `address`; resolves with the replies. */
export async function exchange(port: number, lines: string[], address?: string): Promise<string[]> {
  const peer = await WireClient.connect(port, address);
  const replies: string[] = [];
  for (const line of lines) replies.push(await peer.request(line));
  peer.close();
  return replies;
}

/**
 * Logs in on a fresh connection, retrying while the account is still locked by a session that
 * is ending (09) for at most timeoutMs. Returns the peer and the last reply.
 */
export async function loginWhenFree(
  port: number,
  customer: Customer,
  options: { localAddress?: string; timeoutMs?: number } = {},
): Promise<{ peer: WireClient; reply: string }> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  let peer = await WireClient.connect(port, options.localAddress);
  let reply = await peer.request(`LOGIN ${customer.account} ${customer.pin}`);
  while (reply === '09' && Date.now() < deadline) {
    await sleep(50);
    // Each 09 spends the connection's refusal budget (PROTOCOL.md §7): retry on a fresh one.
    peer.close();
    peer = await WireClient.connect(port, options.localAddress);
    reply = await peer.request(`LOGIN ${customer.account} ${customer.pin}`);
  }
  return { peer, reply };
}
