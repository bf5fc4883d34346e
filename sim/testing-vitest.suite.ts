/**
 * `vain/testing/vitest` (package.json `exports`): the compliance suites, for a consumer's own Context,
 * Storage or Transport. Each registers vitest tests (`describe`, `it`) when called, so it must be
 * imported from a vitest test file; vitest is an optional peer dependency of the package.
 */
export { contextCompliance, type ContextHarness, type RunRecord } from '../core/context-compliance.suite.ts'
export { storageContract, type StorageUnderTest } from '../core/storage-contract.suite.ts'
export { transportCompliance, type ComplianceFixture } from '../transports/transport-compliance.suite.ts'
