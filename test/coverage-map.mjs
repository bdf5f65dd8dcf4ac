// tap's coverage-map: every test file is measured against the package's own source only. examples/ and
// bench/ are run by their tests (docs-guides, package, bench), not held to tap's 100 % thresholds.
export default () => ['src/**/*.ts']
