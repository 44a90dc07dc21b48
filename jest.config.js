/** Jest runs the TypeScript sources as ESM through ts-jest (see package.json "test"). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // `.js` in a relative import names the `.ts` source; a package's own `x.json.js` (libphonenumber-js ships its
  // metadata so) is a real module, and mapped to `x.json` it would load the bare JSON instead.
  moduleNameMapper: { '^(\\.{1,2}/.*)(?<!\\.json)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 20000,
  // Many test files wait on sockets, child processes and a browser rather than on the CPU: four workers let the
  // three browser files run beside the rest instead of holding three of three workers.
  maxWorkers: 4,
  testSequencer: '<rootDir>/test/support/sequencer.cjs',
  // Compiles the gateway once for the tests that start it as a process (test/support/gateway-process.ts).
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};
