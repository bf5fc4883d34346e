import { ConfigError } from '../../core/errors.ts'

/**
 * Half-life decay by block height, computed identically on every replica. IEEE 754 fixes the result
 * of +, −, × and ÷ exactly, but not of Math.pow or Math.exp (an engine may round them differently), and
 * a ledger's state feeds its digest and its tiers: so the per-block factor 2^(−1/H) is found by
 * bisection and raised to a power by repeated squaring, both with basic operations only.
 */

/** The longest half-life, in blocks: 2^32 blocks is over a century at one a second; an exact integer. */
export const MAX_HALF_LIFE_BLOCKS = 2 ** 32
/** Bisection steps: each halves the interval [1/2, 1], so 64 reach the last bit of a double. */
const BISECTION_STEPS = 64

/** `base` to the whole power `n` ≥ 0, by repeated squaring: the same operations in the same order everywhere. */
export function powWhole(base: number, n: number): number {
  let result = 1
  let square = base
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result *= square
    square *= square
  }
  return result
}

/** The factor a value keeps per block: x with x^halfLife = 1/2, the largest double whose power is not above it. */
function perBlock(halfLife: number): number {
  let low = 0.5
  let high = 1
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = (low + high) / 2
    if (powWhole(mid, halfLife) > 0.5) high = mid
    else low = mid
  }
  return low
}

export class Decay {
  private readonly base: number

  constructor(readonly halfLifeBlocks: number) {
    if (!Number.isInteger(halfLifeBlocks) || halfLifeBlocks < 1 || halfLifeBlocks > MAX_HALF_LIFE_BLOCKS) {
      throw new ConfigError(`a half-life is a whole number of blocks from 1 to ${MAX_HALF_LIFE_BLOCKS}, got ${halfLifeBlocks}`)
    }
    this.base = perBlock(halfLifeBlocks)
  }

  /** What share of a value is left after `blocks` blocks (1 at 0, 1/2 at the half-life, never above 1). */
  factor(blocks: number): number {
    return blocks <= 0 ? 1 : powWhole(this.base, blocks)
  }
}
