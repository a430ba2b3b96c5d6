import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- the abnf package ships no type declarations; AbnfRules below types our use
import { checkRefs, parseString } from 'abnf';
import peggy from 'peggy';

/** PROTOCOL.md of this checkout: the source of truth for the grammar. */
export const PROTOCOL_MD = fileURLToPath(new URL('../../PROTOCOL.md', import.meta.url));

/** The start rules of the protocol grammar: the only rules nothing else refers to. */
export const START_RULES = ['request-line', 'reply-line'] as const;
export type StartRule = (typeof START_RULES)[number];

/** RFC 5234 Appendix B.1, written out: the core rules PROTOCOL.md uses without defining them. */
export const CORE_RULES: Readonly<Record<string, string>> = {
  ALPHA: '%x41-5A / %x61-7A', // A-Z / a-z
  BIT: '"0" / "1"',
  CHAR: '%x01-7F', // any 7-bit US-ASCII character, excluding NUL
  CR: '%x0D', // carriage return
  CRLF: 'CR LF', // Internet standard newline
  CTL: '%x00-1F / %x7F', // controls
  DIGIT: '%x30-39', // 0-9
  DQUOTE: '%x22', // " (Double Quote)
  HEXDIG: 'DIGIT / "A" / "B" / "C" / "D" / "E" / "F"',
  HTAB: '%x09', // horizontal tab
  LF: '%x0A', // linefeed
  LWSP: '*(WSP / CRLF WSP)', // linear white space (past newline)
  OCTET: '%x00-FF', // 8 bits of data
  SP: '%x20',
  VCHAR: '%x21-7E', // visible (printing) characters
  WSP: 'SP / HTAB', // white space
};

/** The subset of the abnf package's Rules object that these helpers use. */
interface AbnfRules {
  first: string | null;
  defs: Record<string, { name: string }>;
  refs: { name: string }[];
  toFormat(options: { format: 'peggy'; startRule: string[] }): string;
}

const parseAbnf = parseString as (text: string, source: string) => AbnfRules;
const checkAbnfRefs = checkRefs as (rules: AbnfRules) => string[] | null;

/** The body of every ```abnf fenced block of a Markdown document, in order. */
export function extractAbnfBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```abnf[ \t]*\r?\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => m[1]!);
}

/**
 * The core rules (CORE_RULES) a grammar refers to without defining them, as ABNF text, together
 * with the core rules those refer to in turn (CRLF needs CR and LF).
 */
export function coreRulesFor(grammar: string): string {
  const added: string[] = [];
  for (;;) {
    const rules = parseAbnf(grammar + added.join(''), 'grammar');
    const missing = [...new Set(rules.refs.map((ref) => ref.name.toUpperCase()))].filter(
      (name) => !(name in rules.defs) && name in CORE_RULES,
    );
    if (missing.length === 0) return added.join('');
    added.push(...missing.map((name) => `${name} = ${CORE_RULES[name]}\n`));
  }
}

/** The protocol grammar, checked, and a parser for its start rules. */
export interface ProtocolGrammar {
  /** The ABNF that was checked: PROTOCOL.md's blocks, then the core rules they use. */
  abnf: string;
  /** What checkRefs reported beyond the expected unreferenced start rules (empty when sound). */
  problems: string[];
  /** The Peggy grammar generated from the ABNF. */
  peggySource: string;
  /** null when `text` matches the rule, else the parser's message. */
  mismatch: (rule: StartRule, text: string) => string | null;
}

/** Reads PROTOCOL.md, checks its grammar, and turns it into a parser (RFC 5234 + RFC 7405). */
export function loadProtocolGrammar(markdownFile = PROTOCOL_MD): ProtocolGrammar {
  const blocks = extractAbnfBlocks(readFileSync(markdownFile, 'utf8'));
  if (blocks.length === 0) throw new Error(`no abnf blocks in ${markdownFile}`);
  const grammar = `${blocks.join('\n')}\n`;
  const abnf = grammar + coreRulesFor(grammar);
  const rules = parseAbnf(abnf, 'PROTOCOL.md');
  const expected = new Set(START_RULES.map((rule) => `Unreferenced rule "${rule.toUpperCase()}"`));
  const reported = checkAbnfRefs(rules) ?? [];
  const problems = reported.filter((p) => !expected.has(p.replace(/ at .*$/, '')));
  const peggySource = rules.toFormat({ format: 'peggy', startRule: [...START_RULES] });
  const allowedStartRules = START_RULES.map(peggyName);
  const parser = peggy.generate(peggySource, { allowedStartRules });
  const mismatch = (rule: StartRule, text: string): string | null => {
    try {
      parser.parse(text, { startRule: peggyName(rule) });
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  };
  return { abnf, problems, peggySource, mismatch };
}

/** Peggy rule names cannot hold '-': the abnf package writes them with '_'. */
function peggyName(rule: string): string {
  return rule.replace(/-/g, '_');
}

/** One message shown in PROTOCOL.md, with the start rule it must match and where it was found. */
export interface ProtocolExample {
  rule: StartRule;
  /** The line with its LF, placeholders filled in. */
  line: string;
  /** The text as written in the document, for messages. */
  source: string;
}

/** What each `<placeholder>` of a message template stands for: a value its field allows. */
export const PLACEHOLDER_VALUES: Readonly<Record<string, string>> = {
  'txn-id': '9f86d081884c7d65',
  cents: '2000',
  balance: '10000',
  'balance then': '10000',
  ttl: '30',
  'ttl-seconds': '30',
  'tries-left': '2',
  account: 'ac-12345',
  pin: '1234',
};

const VERB = /^(LOGIN|LOGOUT|BALANCE|DEPOSIT|WITHDRAW|OUTCOME|PING) /;
const CODE = /^[0-9]{2}( |$)/;

/**
 * Every message example of a Markdown document: the `C:` (request) and `S:` (reply) lines of its
 * fenced blocks, without the parenthesised notes after them, and every code span of the prose and
 * tables that is a request (a verb and its fields) or a reply (a two-digit code and its numbers).
 * A lone verb in code is the verb's name, not an example. Placeholders are filled in from
 * PLACEHOLDER_VALUES; an unknown one throws, so a template cannot slip past the check.
 */
export function protocolExamples(markdown: string): ProtocolExample[] {
  const examples: ProtocolExample[] = [];
  const prose = markdown.replace(/^```[a-z]*[ \t]*\r?\n[\s\S]*?^```[ \t]*$/gm, (block) => {
    for (const m of block.matchAll(/^([CS]): (.*?)(?: {2,}\(.*\))?[ \t]*$/gm)) {
      examples.push(example(m[1] === 'C' ? 'request-line' : 'reply-line', m[2]!));
    }
    return '';
  });
  for (const m of prose.matchAll(/(?<!`)`([^`\n]+)`(?!`)/g)) {
    const text = m[1]!;
    if (VERB.test(text)) examples.push(example('request-line', text));
    else if (CODE.test(text)) examples.push(example('reply-line', text));
  }
  return examples;
}

/** One example, its placeholders filled in and an LF added. */
function example(rule: StartRule, source: string): ProtocolExample {
  const line = source.replace(/<([^<>]+)>/g, (_, name: string) => {
    const value = PLACEHOLDER_VALUES[name];
    if (value === undefined) throw new Error(`unknown placeholder <${name}> in "${source}"`);
    return value;
  });
  return { rule, line: `${line}\n`, source };
}
