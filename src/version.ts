import { readFileSync } from 'node:fs';

/** The version in package.json (from src/ and dist/ alike), for `--version` and the start line. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
