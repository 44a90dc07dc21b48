// Jest's own order (files that failed last time, then the longest by its cached timings) with one change: the
// browser files (`*.e2e.test.ts`: the console's, and CORS's in test/security) go first. On a fresh clone (CI) jest has
// no timings and orders by file size, which put the small browser files, a minute each on a 2-core machine, last:
// the whole run then waited on them at the end. The fleet's chaos test (half a minute of three replica processes)
// follows them, for the same reason.
const Sequencer = require('@jest/test-sequencer').default;

const rank = (test) => (/\.e2e\.test\.ts$/.test(test.path) ? 0 : /fleet-chaos\.test\.ts$/.test(test.path) ? 1 : 2);

class BrowserFirst extends Sequencer {
  sort(tests) {
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = BrowserFirst;
