import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { OsRandom } from '../../runtime/os-random.ts'
import { openSeedFile, sealSeedFile, type PassphraseCost } from '../../runtime/sealed-seed-file.ts'

/** Where a data dir keeps the node's sealed identity (runtime/sealed-seed-file.ts). */
export const IDENTITY_FILE = 'identity.key'

/**
 * The identity's master seed in data dir `dir`: opened from its sealed file, or made from the OS's
 * randomness and sealed on first use. A KeyFileError (wrong passphrase, not a key file) is thrown as it is.
 */
export function openSeed(dir: string, passphrase: string, cost: PassphraseCost): Uint8Array {
  const path = join(dir, IDENTITY_FILE)
  if (existsSync(path)) return openSeedFile(path, passphrase)
  const seed = new OsRandom().bytes(32)
  sealSeedFile(path, passphrase, seed, cost)
  return seed
}
