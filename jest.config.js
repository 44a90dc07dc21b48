/** Jest runs the TypeScript sources as ESM through ts-jest (see package.json "test"). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 20000,
  // Most test files wait on sockets, child processes and a browser rather than on the CPU (a whole run keeps about
  // one of this 2-core machine's cores busy): four workers let the three browser files run beside the rest instead
  // of holding every worker for their first minute and a half (3 workers: 157 s; 4: 144 s).
  maxWorkers: 4,
  testSequencer: '<rootDir>/test/support/sequencer.cjs',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};
