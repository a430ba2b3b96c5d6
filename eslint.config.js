// Type-aware lint: typescript-eslint's strict and stylistic sets with the type checker, over
// src/, test/, bench/ and stress/ (tsconfig.json). `npm run lint` runs `eslint .`.
// Each rule turned off or loosened says why on its line (STYLE.md, "Checks").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Not linted: build output, config files, the bin shim, and browser code outside tsconfig.json
  // (web/, the dashboard's page: it has no type information to lint with here).
  { ignores: ['dist/', 'node_modules/', 'coverage/', '*.cjs', 'eslint.config.js', 'bin/', 'web/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The reason these tools exist here: a promise left floating in the server is a silent bug.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Numbers and booleans in a message read as themselves; objects still need a formatter.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // `() => {}` is the house no-op callback (a listener that must exist, a drained stream).
      '@typescript-eslint/no-empty-function': ['error', { allow: ['arrowFunctions'] }],
      // `cond ? a() : b()` as a statement is used for a two-way key handler (atm/terminal.ts).
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }],
      // `_name` marks a part destructured only to leave it out of the rest.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A destructuring that also reassigns a `let` keeps its other names `let`; a `let` that a
      // closure reads before its one assignment (a callback made first, the value set later)
      // cannot be a `const`.
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      // `||` on a string treats an empty one (an unset environment variable) as absent.
      '@typescript-eslint/prefer-nullish-coalescing': [
        'error',
        { ignorePrimitives: { string: true } },
      ],
      // Off: with noUncheckedIndexedAccess, `match[1]!` after a match that has the group is the
      // honest way to say it is there; invariants that are not local use assert().
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Off: `(x) => sideEffect(x)` arrow shorthand for a void callback is house style.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Off: engine methods are async to fit the async Engine interface even where SQLite
      // answers synchronously; the async keyword turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Off: TypeScript keeps a field narrowed across an await or a call that changes it
      // (db.inTransaction, this.closed, signal.aborted), so its findings here are false.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Off: a committer rejects with what the batch threw, which may be anything at all.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // Off: `String(error)` of whatever was thrown, or of a log field, is meant to print it.
      '@typescript-eslint/no-base-to-string': 'off',
      // Off: both `interface` and `type` object shapes are used; a shape that sits among unions
      // reads better as a `type`, and the compiler treats them alike here.
      '@typescript-eslint/consistent-type-definitions': 'off',
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      // Off in cli/: commander types an action's flags as `any`; cli/options.ts parses each value
      // and the admin functions' parameter types say what they take.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'stress/**/*.ts', 'chaos/**/*.ts'],
    rules: {
      // Off in tests and tools: they read JSON output and database rows as `any` and check the
      // shape with expect() or by printing it.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-enum-assignment': 'off',
      // Off in tests: a stub object's empty method is the point of the stub.
      '@typescript-eslint/no-empty-function': 'off',
      // Off in tests: table columns are matched with their literal spaces, as they print.
      'no-regex-spaces': 'off',
      // Off in tests: the terminal tests strip ANSI escapes, which start with \x1b.
      'no-control-regex': 'off',
      // Off in tests and tools: a `.catch((error) => …)` that prints whatever was thrown.
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
      // Off in tests: a helper removes an environment variable by its name.
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
);
