import { observeWrites, type Storage } from './storage.ts'

/**
 * Output commit: no frame leaves before the writes made before it are durable. An actor may confirm
 * something (a STORE, a vote) in the same input that wrote it, and a peer that saw the confirmation
 * must find it there after any crash. So every frame the actor sends is held; at the end of the
 * event-loop turn the storage is synced once, only if it holds unsynced writes, and then the held
 * frames go out. However many inputs and acknowledgements one turn handles, it costs one fsync.
 *
 * `storage` is the view to give the actor: it tracks whether writes are pending, so a turn that wrote
 * nothing (or synced already) costs no sync at all.
 */
export class OutputCommit {
  readonly storage: Storage
  private held: (() => void)[] = []
  private scheduled = false
  private dirty = false
  /** Syncs this commit issued (the actor's own syncs are not counted). */
  syncs = 0

  constructor(
    private readonly inner: Storage,
    /** Runs `flush` once the current event-loop turn is over (setImmediate in a real node). */
    private readonly schedule: (flush: () => void) => void,
    /** A sync that failed: the held frames are dropped, since what they follow may not be on disk. */
    private readonly onSyncFailure: (error: unknown, dropped: number) => void,
    /** A held frame that failed as it was released (the others still go). */
    private readonly onReleaseFailure: (error: unknown) => void = () => {},
  ) {
    this.storage = observeWrites(inner, {
      written: () => (this.dirty = true),
      synced: () => (this.dirty = false),
    })
  }

  /** Holds `release` (which sends one frame) until the writes made so far are synced. */
  hold(release: () => void): void {
    this.held.push(release)
    if (this.scheduled) return
    this.scheduled = true
    this.schedule(() => this.flush())
  }

  /** Syncs if needed and releases every held frame, in the order they were sent. */
  flush(): void {
    this.scheduled = false
    if (this.held.length === 0) return
    const released = this.held
    this.held = []
    if (this.dirty) {
      try {
        this.storage.sync()
        this.syncs++
      } catch (error) {
        return this.onSyncFailure(error, released.length)
      }
    }
    for (const release of released) {
      try {
        release()
      } catch (error) {
        this.onReleaseFailure(error) // one frame that could not go does not hold back the others
      }
    }
  }
}
