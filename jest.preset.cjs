// Shared Jest settings: SWC compiles TypeScript (with decorator metadata, as NestJS needs) to CommonJS,
// and workspace libraries resolve to their sources so that unit tests need no build.
const path = require('node:path');

const root = __dirname;

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

function base(projectDir) {
  return {
    rootDir: projectDir,
    displayName: path.relative(root, projectDir),
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': swc },
    moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
    moduleNameMapper: {
      '^@journey/(platform|testing|contracts|eventstore|messaging|projections)$': `${root}/libs/$1/src/index.ts`,
    },
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  };
}

/** Unit specs: `*.spec.ts` beside the code, no infrastructure. */
exports.unit = (projectDir) => ({ ...base(projectDir), testMatch: ['<rootDir>/src/**/*.spec.ts'] });

/** Integration specs: `*.int-spec.ts`, against the real local (or containerised) infrastructure. */
exports.integration = (projectDir) => ({
  ...base(projectDir),
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
  globalSetup: `${root}/libs/testing/src/global-setup.ts`,
  globalTeardown: `${root}/libs/testing/src/global-teardown.ts`,
});
