/**
 * `vain/testing` (package.json `exports`): what a consumer's unit tests drive an actor with, in any test
 * runner: ManualContext (a Context moved by hand: deliver a message, fire a timer, advance the clock)
 * and fixed test identities. The compliance suites are `vain/testing/vitest`: they are vitest suites.
 * It lives in sim/, the one layer that may import both core/ and transports/.
 */
export { ManualContext, type ManualComputation } from '../core/manual-context.ts'
export { testSigner } from '../transports/test-signer.ts'
