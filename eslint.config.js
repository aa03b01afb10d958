// ESLint flat config: typescript-eslint's recommended rules plus the import boundaries that keep
// dependencies pointing inward (domain and lib import nothing of ours; only app/ and cli/ know
// every concrete implementation).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const boundary = (from, patterns) => ({
  files: [`src/${from}/**/*.ts`],
  ignores: ['src/**/*.test.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  boundary('domain', [
    { group: ['../*', '!../domain'], message: 'domain/ imports nothing but node: built-ins and itself.' },
  ]),
  boundary('lib', [{ group: ['../*', '!../lib'], message: 'lib/ is leaf utilities: it imports nothing of ours.' }]),
  boundary('store', [
    {
      group: ['../engine/*', '../control-api/*', '../http/*', '../app/*', '../cli/*', '../object-store/*'],
      message: 'store/ depends only on domain/ and lib/.',
    },
  ]),
  // The two SQL stores share only store/rows/ (and the contract); neither knows the other. (Each
  // block repeats store/'s patterns: a later block replaces the rule for its files.)
  ...[
    ['sqlite', 'postgres'],
    ['postgres', 'sqlite'],
  ].map(([self, other]) =>
    boundary(`store/${self}`, [
      {
        group: ['../../engine/*', '../../control-api/*', '../../http/*', '../../app/*', '../../cli/*', '../../object-store/*'],
        message: 'store/ depends only on domain/ and lib/.',
      },
      { group: [`../${other}/*`], message: `store/${self}/ shares code with store/${other}/ only through store/rows/.` },
    ]),
  ),
  boundary('engine', [
    {
      group: ['../store/sqlite/*', '../store/postgres/*', '../control-api/*', '../app/*', '../cli/*', '../http/*'],
      message: 'engine/ uses the JobStore contract, never a concrete store or the HTTP layer.',
    },
  ]),
  boundary('control-api', [
    {
      group: ['../store/*', '../app/*', '../cli/*', '../object-store/*'],
      message: 'control-api/ goes through the engine facade (engine/job-service.ts), never the store.',
    },
  ]),
  ...['manifests', 'reports', 'operations'].map((from) =>
    boundary(from, [
      {
        group: ['../engine/*', '../store/*', '../control-api/*', '../object-store/*', '../app/*', '../cli/*', '../http/*'],
        message: `${from}/ reaches S3 only through the S3Port (s3/s3-port.ts); it knows no store, engine or HTTP layer.`,
      },
    ]),
  ),
  boundary('client', [
    {
      group: ['../*', '!../client', '!../lib', '!../domain'],
      message: 'client/ speaks only the public APIs (S3 Control, S3, STS) through the AWS SDK: it knows no server part.',
    },
  ]),
  boundary('cli/jobs', [
    {
      group: ['../../*', '!../../client', '!../../lib', '!../../domain'],
      message: 'the job commands speak only the public APIs, through client/: they must work against any s3batch or AWS.',
    },
  ]),
  boundary('dashboard', [
    {
      group: ['../store/sqlite/*', '../store/postgres/*', '../engine/*', '!../engine/job-service.js', '../control-api/*', '../object-store/*', '../app/*', '../cli/*'],
      message: 'dashboard/ reaches jobs through the JobService (engine/job-service.ts) and S3 through client/, as the account: never a store, the engine or the jobs API.',
    },
  ]),
  boundary('functions', [
    {
      group: ['../engine/*', '../store/*', '../control-api/*', '../object-store/*', '../app/*', '../cli/*', '../http/*'],
      message: 'functions/ implements the LambdaFunctions port of operations/; it knows no engine, store or HTTP layer.',
    },
  ]),
  boundary('object-store', [
    {
      // (The SQLite migration runner it shares with the job store is in lib/.)
      group: [
        '../engine/*',
        '../../engine/*',
        '../control-api/*',
        '../../control-api/*',
        '../app/*',
        '../../app/*',
        '../store/*',
        '../../store/*',
      ],
      message: 'object-store/ never imports the engine, the job store or the jobs API.',
    },
  ]),
  {
    // The dashboard's pages: they know the server only through its internal API, whose shapes
    // they share (types only) from src/dashboard/api-types.ts.
    files: ['ui/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)src/(?!dashboard/api-types\\.js$)', message: 'ui/ imports nothing of the server but the API types (src/dashboard/api-types.ts).' }] }],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The Lambda runtimes' own files, loaded by worker threads (plain JavaScript: see runtime/node-worker.cjs).
    files: ['runtime/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly', console: 'writable', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['runtime/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // Lambda functions (examples and test fixtures): plain Node.js, as a user writes them.
    files: ['{examples,test/fixtures}/functions/**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['{examples,test/fixtures}/functions/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { exports: 'writable', module: 'writable', require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
