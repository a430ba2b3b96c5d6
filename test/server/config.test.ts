import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/assert.js';
import { addServerCommand } from '../../src/cli/commands/server.js';
import { checkServerConfig, defaultServerConfig } from '../../src/server/config.js';
import { FD_HEADROOM, REFUSALS_OPEN_MAX } from '../../src/server/admission/fd-headroom.js';

const protocolMd = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8');
const limitsSection = protocolMd.split(/^## 7\./m)[1]!.split(/^## 8\./m)[0]!;
const d = defaultServerConfig();

/** The long flags of `bank server`, as commander knows them. */
function serverFlags(): string[] {
  const program = new Command('bank');
  addServerCommand(program);
  const server = program.commands.find((command) => command.name() === 'server')!;
  return server.options.map((option) => option.long!);
}

/** Flags that choose where and what, not how much: not limits. */
const NOT_LIMITS = [
  '--db',
  '--host',
  '--port',
  '--pin-key',
  '--tls-cert',
  '--tls-key',
  '--demo',
  '--quiet',
  '--log-level',
  '--log-format',
  '--metrics',
  '--server-name',
];

describe('server limits match PROTOCOL.md §7', () => {
  it('states each default beside its flag in the limits table', () => {
    const rows = [
      `${d.handshakeMsMax / 1000} s (\`--handshake-timeout\`)`,
      `${d.loginMsMax / 1000} s (\`--login-timeout\`)`,
      `${d.sessionIdleMsMax / 1000} s (\`--idle-timeout\`)`,
      `${d.frameMsMax / 1000} s (\`--frame-timeout\`)`,
      `${d.connectionsMax.toLocaleString('en-US')} (\`--max-connections\`)`,
      `${d.connectionsPerGroupMax} (\`--max-connections-per-peer\`)`,
      `${d.connectsPerGroupPerSecond} (\`--max-connects-per-second\`)`,
      `${d.connectBanMs / 1000} s (\`--connect-ban\`)`,
      `${FD_HEADROOM} for the database, stdio and listeners (\`FD_HEADROOM\`)`,
      `${REFUSALS_OPEN_MAX} for connections being turned away (\`REFUSALS_OPEN_MAX\`)`,
      `the end of a session | ${d.anonErrorsMax} | the ${d.anonErrorsMax + 1}th is answered`,
    ];
    for (const row of rows) expect(limitsSection, row).toContain(row);
  });

  it('lists every limit flag of `bank server` in the limits table', () => {
    const limits = serverFlags().filter((flag) => !NOT_LIMITS.includes(flag));
    expect(limits).toContain('--login-timeout');
    for (const flag of limits) expect(limitsSection, flag).toContain(`\`${flag}\``);
  });
});

describe('checkServerConfig', () => {
  it('takes the defaults', () => {
    expect(() => checkServerConfig(d)).not.toThrow();
  });

  it('refuses bounds that contradict each other', () => {
    const bad = [
      { connectionsPerGroupMax: d.connectionsMax + 1 },
      { handshakeMsMax: d.loginMsMax + 1000 },
      { handshakeMsMax: 999 },
      { connectsPerGroupPerSecond: 0 },
      { connectBanMs: 999 },
      { anonErrorsMax: d.loginFailuresPerConnMax - 1 },
    ];
    for (const change of bad) {
      expect(() => checkServerConfig({ ...d, ...change }), JSON.stringify(change)).toThrow(
        AssertionError,
      );
    }
  });
});
