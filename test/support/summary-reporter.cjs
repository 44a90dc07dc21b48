// Writes jest's aggregated results to test/artifacts/jest-results.json, so that .ci/run can print
// "N passed, M failed" from jest's own counts while running exactly `npm test`.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }
  onRunComplete(_contexts, results) {
    const dir = path.join(this.rootDir, 'test', 'artifacts');
    fs.mkdirSync(dir, { recursive: true });
    // Jest sets `results.success` only after every reporter's onRunComplete has returned, so it is still false
    // here: decide it from the counts, as jest does (no failed test, no suite that failed to run, no snapshot
    // failure), and also call a run that executed no test, or failed a suite outside any test, a failure.
    const success =
      results.numTotalTests > 0 &&
      results.numFailedTests === 0 &&
      results.numFailedTestSuites === 0 &&
      results.numRuntimeErrorTestSuites === 0 &&
      !results.snapshot.failure &&
      !results.runExecError;
    const summary = {
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numPendingTests: results.numPendingTests,
      numTotalTests: results.numTotalTests,
      numFailedTestSuites: results.numFailedTestSuites,
      numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
      success,
    };
    fs.writeFileSync(path.join(dir, 'jest-results.json'), JSON.stringify(summary, null, 2));
  }
}
module.exports = SummaryReporter;
