import {
  createPrompt,
  isDownKey,
  isEnterKey,
  isUpKey,
  makeTheme,
  useKeypress,
  usePrefix,
  useState,
} from '@inquirer/core';

/**
 * The two prompts the ATM draws itself, where Inquirer's own would let stray typing choose:
 * its select picks an entry by the digit typed (so "20" meant for an amount lands on the second
 * entry) or by the first letters of its name, and its confirm takes any answer it cannot read
 * ("xyz") as the default.
 */

/** One entry of a menu. */
export interface MenuChoice<T> {
  name: string;
  value: T;
}

interface MenuConfig<T> {
  message: string;
  choices: readonly MenuChoice<T>[];
}

/** Inquirer's per-prompt context: the signal that cuts it short, and whether to wipe it. */
export interface PromptContext {
  signal: AbortSignal;
  clearPromptOnDone: boolean;
}

const POINTER = '❯';
const CURSOR_HIDE = '\u001b[?25l';
const MENU_HELP = '↑↓ move • ⏎ choose';
const YES_NO_HINT = '(y/N)';
const YES_NO_AGAIN = 'Please type y (yes) or n (no), then Enter.';

const menuPrompt = createPrompt<unknown, MenuConfig<unknown>>((config, done) => {
  const theme = makeTheme();
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const [active, setActive] = useState(0);
  const prefix = usePrefix({ status, theme });
  const count = config.choices.length;
  useKeypress((key, rl) => {
    if (status === 'done') return;
    if (isEnterKey(key)) {
      setStatus('done');
      return done(config.choices[active]!.value);
    }
    rl.clearLine(0); // whatever else was typed picks nothing and is kept for nothing
    if (isUpKey(key)) setActive((active + count - 1) % count);
    else if (isDownKey(key)) setActive((active + 1) % count);
  });
  const message = theme.style.message(config.message, status);
  if (status === 'done') {
    return `${prefix} ${message} ${theme.style.answer(config.choices[active]!.name)}`;
  }
  const lines = config.choices.map((choice, index) =>
    index === active ? theme.style.highlight(`${POINTER} ${choice.name}`) : `  ${choice.name}`,
  );
  const help = theme.style.help(MENU_HELP);
  return `${[`${prefix} ${message}`, ...lines, help].join('\n')}${CURSOR_HIDE}`;
});

/**
 * A menu moved through with the arrow keys and chosen with Enter, and nothing else: digits and
 * letters choose nothing, so typing meant for another prompt cannot start a withdrawal.
 */
export function menu<T>(config: MenuConfig<T>, context: PromptContext): Promise<T> {
  return menuPrompt(config, context) as Promise<T>;
}

/**
 * A question whose "yes" moves money: only `y` or `yes` (any case) is yes; an empty answer,
 * `n` or `no` is no; anything else is asked again, so no stray typing can say yes.
 */
export const confirmStrictly = createPrompt<boolean, { message: string }>((config, done) => {
  const theme = makeTheme();
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const prefix = usePrefix({ status, theme });
  useKeypress((key, rl) => {
    if (status === 'done') return;
    if (!isEnterKey(key)) {
      setValue(rl.line);
      return setError(undefined);
    }
    const answer = parseYesNo(value);
    if (answer === null) {
      setValue(''); // Enter has emptied readline's line already: the customer starts afresh
      return setError(YES_NO_AGAIN);
    }
    setValue(answer ? 'Yes' : 'No');
    setStatus('done');
    done(answer);
  });
  const message = theme.style.message(config.message, status);
  if (status === 'done') return `${prefix} ${message} ${theme.style.answer(value)}`;
  const hint = theme.style.help(YES_NO_HINT);
  return [`${prefix} ${message} ${hint} ${value}`, error ? theme.style.error(error) : ''];
});

/** A typed answer to a yes/no question: true, false, or null when it is neither. */
export function parseYesNo(text: string): boolean | null {
  const answer = text.trim().toLowerCase();
  if (answer === 'y' || answer === 'yes') return true;
  if (answer === '' || answer === 'n' || answer === 'no') return false;
  return null;
}
