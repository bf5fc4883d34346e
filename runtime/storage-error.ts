import { ReasonedError } from '../core/errors.ts'

/**
 * Why durable storage refused to open:
 * - `damaged`: a file does not verify where a crash could not have left it (a bad record with valid
 *   records after it, a file that is not a log at all, a damaged atomically replaced file);
 *   `FileStorage.repair` salvages what verifies.
 * - `locked`: another live process holds the data directory.
 */
export type StorageFailure = 'damaged' | 'locked'

/** Storage that was refused; nothing on disk was changed by the refusal. */
export class StorageError extends ReasonedError<StorageFailure> {
  readonly _tag = 'StorageError' as const
  override readonly name = 'StorageError'
  constructor(
    reason: StorageFailure,
    message: string,
    /** The file at fault: the damaged file, or the lock file. */
    readonly path: string,
    /** For `damaged`: the byte offset of the first record that does not verify. */
    readonly offset?: number,
    /** For `locked`: the process id of the holder. */
    readonly pid?: number,
  ) {
    super(reason, message)
  }
}
