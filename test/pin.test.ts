import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPinKeyFile, hashPin, loadPinKey, verifyPin, wouldOrphanPins } from '../src/pin.js';
import { tempDirPerTest } from './helpers/temp.js';

const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const otherKey = Buffer.from('fedcba9876543210fedcba9876543210', 'hex');

describe('hashPin and verifyPin', () => {
  it('verifies the PIN that was hashed', async () => {
    const stored = await hashPin(key, '1234');
    expect(await verifyPin(key, '1234', stored)).toBe(true);
  });

  it('refuses a wrong PIN', async () => {
    const stored = await hashPin(key, '1234');
    expect(await verifyPin(key, '1235', stored)).toBe(false);
    expect(await verifyPin(key, '4321', stored)).toBe(false);
  });

  it('refuses the right PIN under a different key', async () => {
    const stored = await hashPin(key, '1234');
    expect(await verifyPin(otherKey, '1234', stored)).toBe(false);
  });

  it('refuses any PIN for an unknown account (no stored hash)', async () => {
    expect(await verifyPin(key, '1234', undefined)).toBe(false);
    expect(await verifyPin(key, '0000', undefined)).toBe(false);
  });

  it('salts: the same PIN hashes differently twice, and both verify', async () => {
    const first = await hashPin(key, '1234');
    const second = await hashPin(key, '1234');
    expect(first).not.toBe(second);
    expect(await verifyPin(key, '1234', first)).toBe(true);
    expect(await verifyPin(key, '1234', second)).toBe(true);
  });

  it('stores neither the PIN nor the key in the hash', async () => {
    const stored = await hashPin(key, '9876');
    expect(stored).not.toContain('9876');
    expect(stored).not.toContain(key.toString('hex'));
    expect(stored.split('$')).toHaveLength(6);
  });
});

describe('loadPinKey', () => {
  const dir = tempDirPerTest('bank-pin-');

  it('creates a key file with mode 0600 and reads the same key back', () => {
    const file = join(dir(), 'bank.sqlite.pin-key');
    const created = loadPinKey(file, {});
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(created.length).toBeGreaterThanOrEqual(16);
    expect(loadPinKey(file, {})).toEqual(created);
  });

  it('makes a different key for a different file', () => {
    expect(loadPinKey(join(dir(), 'a'), {})).not.toEqual(loadPinKey(join(dir(), 'b'), {}));
  });

  it('reads an existing hex key file, and tightens its mode to 0600', () => {
    const file = join(dir(), 'key');
    writeFileSync(file, `${key.toString('hex')}\n`);
    chmodSync(file, 0o644);
    expect(loadPinKey(file, {})).toEqual(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a key file that holds no usable key', () => {
    const file = join(dir(), 'key');
    writeFileSync(file, 'abcd\n', { mode: 0o600 });
    expect(() => loadPinKey(file, {})).toThrow(/no usable key/);
  });

  it('takes BANK_PIN_KEY from the environment instead of a file', () => {
    const file = join(dir(), 'never-created');
    const fromEnv = loadPinKey(file, { BANK_PIN_KEY: 'a secret from the environment' });
    expect(fromEnv).toEqual(Buffer.from('a secret from the environment', 'utf8'));
    expect(() => statSync(file)).toThrow();
  });

  it('ignores an empty BANK_PIN_KEY and uses the file', () => {
    const file = join(dir(), 'key');
    const fromFile = loadPinKey(file, { BANK_PIN_KEY: '' });
    expect(readFileSync(file, 'utf8').trim()).toBe(fromFile.toString('hex'));
  });

  it('hashes made under one loaded key verify under the same key loaded again', async () => {
    const file = join(dir(), 'key');
    const stored = await hashPin(loadPinKey(file, {}), '1111');
    expect(await verifyPin(loadPinKey(file, {}), '1111', stored)).toBe(true);
  });
});

describe('defaultPinKeyFile', () => {
  it.each([
    ['bank.sqlite', {}, 'bank.sqlite.pin-key'],
    ['/srv/bank/main.sqlite', {}, '/srv/bank/main.sqlite.pin-key'],
    ['postgres://bank:s3cret@db.example:5432/bank', {}, 'bank.pin-key'],
    ['postgresql://db.example/ledger?sslmode=require', {}, 'ledger.pin-key'],
    ['postgres://db.example', { PGDATABASE: 'atm' }, 'atm.pin-key'],
    ['postgres://db.example/', {}, 'bank.pin-key'],
    ['postgres://db.example/..%2Fetc%2Fpasswd', {}, '___etc_passwd.pin-key'],
    [
      'postgres://u:pw@h1:5432,h2:5433/ledger?target_session_attrs=read-write',
      {},
      'ledger.pin-key',
    ],
    ['postgres://[::1]:5432,[::1]:5433/ledger', {}, 'ledger.pin-key'],
  ])('%s', (db, env, expected) => {
    expect(defaultPinKeyFile(db, env)).toBe(expected);
  });
});

describe('wouldOrphanPins', () => {
  const dir = tempDirPerTest('bank-orphan-');
  const asked = (answer: boolean): { calls: number; ask: () => Promise<boolean> } => {
    const state = { calls: 0, ask: async (): Promise<boolean> => ((state.calls += 1), answer) };
    return state;
  };

  it("is the bank's answer only when a new key would be made (no file, no BANK_PIN_KEY)", async () => {
    const file = join(dir(), 'bank.pin-key');
    for (const answer of [true, false]) {
      const bank = asked(answer);
      expect(await wouldOrphanPins(file, bank.ask, {})).toBe(answer);
      expect(bank.calls).toBe(1);
    }
  });

  it('is false, without asking the bank, with a key file or BANK_PIN_KEY', async () => {
    const file = join(dir(), 'bank.pin-key');
    const bank = asked(true);
    expect(await wouldOrphanPins(file, bank.ask, { BANK_PIN_KEY: 'k' })).toBe(false);
    loadPinKey(file, {});
    expect(await wouldOrphanPins(file, bank.ask, {})).toBe(false);
    expect(bank.calls).toBe(0);
  });
});
