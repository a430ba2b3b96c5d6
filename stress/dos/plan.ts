/**
 * Who is who on loopback during `npm run stress -- --dos`. Per-address limits group IPv4 by /24,
 * so every role and every attacker group has its own third octet: 127.0.N.1.
 */
import { benchAccount } from '../../bench/server.js';

/** Attacker groups: 127.0.1.1 … 127.0.50.1. */
export const ATTACK_GROUPS = 50;
/** Addresses that block the decoy account before an attack that needs it: 127.0.101.1 …. */
const BLOCKER_FIRST = 101;
/** Customers arrive from 127.0.201.1 … 127.0.240.1, addresses no attacker uses. */
const CUSTOMER_FIRST = 201;
const CUSTOMER_ADDRESSES = 40;
/** The lock-out victim's own terminal, and the customer who logs in after each attack. */
export const VICTIM_ADDRESS = '127.0.250.1';
export const AFTER_ADDRESS = '127.0.251.1';
/** Accounts the arriving customers log in to, in turn (ac-00001 …): never two at once. */
export const CUSTOMER_ACCOUNTS = 100;
/** The fewest accounts a run seeds: the customers' and the decoy and after-attack ones. */
export const ACCOUNTS_MIN = CUSTOMER_ACCOUNTS + 2;

/** Wrong PINs that block the decoy everywhere: 3 on old builds, 10 (with backoff) on new ones. */
export const DECOY_BLOCK_TRIES = 10;

/** Attacker group g (0-based) as a source address. */
export function attackerAddress(group: number): string {
  return `127.0.${1 + (group % ATTACK_GROUPS)}.1`;
}

/** The k-th setup address used to block the decoy. */
export function blockerAddress(k: number): string {
  return `127.0.${BLOCKER_FIRST + (k % DECOY_BLOCK_TRIES)}.1`;
}

/** The k-th arriving customer: an account of its own and an address no attacker uses. */
export function customerOf(k: number): { account: string; pin: string; address: string } {
  const address = `127.0.${CUSTOMER_FIRST + (k % CUSTOMER_ADDRESSES)}.1`;
  return { ...benchAccount(k % CUSTOMER_ACCOUNTS), address };
}

/** The account attackers hold slots with and flood: the last seeded, blocked before the attack. */
export function decoyAccount(accounts: number): { account: string; pin: string } {
  return benchAccount(accounts - 1);
}

/** The customer who logs in once the attacker has gone. */
export function afterCustomer(accounts: number): { account: string; pin: string; address: string } {
  return { ...benchAccount(accounts - 2), address: AFTER_ADDRESS };
}

/** A PIN that is not `pin`. */
export function wrongPin(pin: string): string {
  return pin === '0000' ? '9999' : '0000';
}
