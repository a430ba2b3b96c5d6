// The layering of src/ as rules (STYLE.md, "Layers"). `npm run lint` runs `depcruise src`.
// Imports point one way: cli → server/atm/admin → store → rules → protocol and money.
// A path pattern names a folder by its trailing slash (`^src/store/`), a module by its name.

/** The bottom layer: the wire grammar, money, and the assert every layer may use. */
const BOTTOM = '^src/(protocol/|money[^/]*[.]ts$|assert[.]ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-imports-only-assert',
      comment: 'protocol/ is pure: it imports nothing of ours but itself and assert.ts.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/(protocol/|assert[.]ts$)' },
    },
    {
      name: 'money-imports-only-bottom',
      comment:
        'money.ts and its parsing sit beside protocol/: they import only protocol/ and assert.',
      severity: 'error',
      from: { path: '^src/money[^/]*[.]ts$' },
      to: { path: '^src/', pathNot: BOTTOM },
    },
    {
      name: 'rules-imports-only-below',
      comment: 'rules/ is the pure core: it imports only protocol/, money, lockout.ts and assert.',
      severity: 'error',
      from: { path: '^src/rules/' },
      to: { path: '^src/', pathNot: `${BOTTOM}|^src/(rules/|lockout[.]ts$)` },
    },
    {
      name: 'store-not-up',
      comment: 'store/ serves the commands and the server; it imports none of them.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(server|admin|atm|cli)/' },
    },
    {
      name: 'server-not-sideways',
      comment: 'server/ imports no admin/, atm/ or cli/ (never up, never sideways).',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/(admin|atm|cli)/' },
    },
    {
      name: 'atm-not-server-or-store',
      comment: 'The ATM speaks to the bank over the wire only: no server/, store/ or admin/.',
      severity: 'error',
      from: { path: '^src/atm/' },
      to: { path: '^src/(server|store|admin)/' },
    },
    {
      name: 'admin-not-sideways',
      comment: 'admin/ imports no server/, atm/ or cli/.',
      severity: 'error',
      from: { path: '^src/admin/' },
      to: { path: '^src/(server|atm|cli)/' },
    },
    {
      name: 'only-cli-imports-cli',
      comment: 'cli/ is the top: nothing else imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'root-modules-not-up',
      comment: 'The modules at src/ root (seed, pin, lockout, json…) import no command or server.',
      severity: 'error',
      from: { path: '^src/[^/]+[.]ts$' },
      to: { path: '^src/(server|admin|atm|cli)/' },
    },
    {
      name: 'only-store-imports-a-driver',
      comment: 'SQL and database drivers live in store/ alone (STYLE.md, "Store").',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/' },
      to: { path: '(^|/)node_modules/(better-sqlite3|pg|pg-[^/]+)/' },
    },
    {
      name: 'no-circular',
      comment: 'A circle of imports hides which module is the lower one; break it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to no file is a typo or a missing package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'Shipped code (src/) imports no devDependency: npm ci --omit=dev must run it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type is a dependency of the layer that names it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
