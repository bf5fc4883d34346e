import { existsSync, linkSync, readFileSync } from 'node:fs'
import { replaceFileAtomically } from './atomic-file.ts'
import { encodeEntries, nextRecordStart, readRecord } from './record-log.ts'
import { StorageError } from './storage-error.ts'

// Copies of damaged files a store keeps beside it (name.damaged, name.damaged.1, …): far more repairs
// than one store should ever need; past it the operator must look at (and clear) the old copies.
const MAX_DAMAGED_COPIES = 100

/** What salvaging one file did. */
export interface FileRepair {
  readonly path: string
  /** Whether any byte failed to verify; when false, the file was left as it was. */
  readonly damaged: boolean
  /** Records that verified and were kept (applied in order, so a later one supersedes an earlier). */
  readonly keptRecords: number
  /** Live keys in the salvaged file. */
  readonly keys: number
  /** Bytes skipped, in `damagedRegions` runs, resynchronising to the next record that verifies. */
  readonly skippedBytes: number
  readonly damagedRegions: number
  /** Where the original now is; undefined when it was not damaged (or did not exist). */
  readonly movedTo: string | undefined
}

/**
 * Salvages a record file: keeps every record that verifies, resynchronising past bad bytes, writes the
 * live entries to a fresh file (atomically, through `temporary`) and keeps the original beside it as
 * `path.damaged` (`.damaged.1`, … when that exists). The original is linked aside before the fresh file
 * replaces it, so a crash during a repair leaves one of the two at `path`, and the original always.
 */
export function salvageFile(path: string, temporary: string): FileRepair {
  if (!existsSync(path)) return { path, damaged: false, keptRecords: 0, keys: 0, skippedBytes: 0, damagedRegions: 0, movedTo: undefined }
  const bytes = readFileSync(path)
  const live = new Map<string, Uint8Array>()
  let keptRecords = 0
  let skippedBytes = 0
  let damagedRegions = 0
  for (let at = 0; at < bytes.length; ) {
    const record = readRecord(bytes, at)
    if (record.entry !== undefined) {
      const [key, value] = record.entry
      if (value === null) live.delete(key)
      else live.set(key, value)
      keptRecords++
      at = record.end
      continue
    }
    const resume = nextRecordStart(bytes, at + 1) ?? bytes.length
    skippedBytes += resume - at
    damagedRegions++
    at = resume
  }
  const report = { path, damaged: damagedRegions > 0, keptRecords, keys: live.size, skippedBytes, damagedRegions }
  if (!report.damaged) return { ...report, movedTo: undefined }
  const movedTo = linkAside(path)
  replaceFileAtomically(path, encodeEntries(live), temporary)
  return { ...report, movedTo }
}

function linkAside(path: string): string {
  for (let copy = 0; copy < MAX_DAMAGED_COPIES; copy++) {
    const aside = copy === 0 ? `${path}.damaged` : `${path}.damaged.${copy}`
    try {
      linkSync(path, aside)
      return aside
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  throw new StorageError('damaged', `${path}: ${MAX_DAMAGED_COPIES} damaged copies are already kept beside it; look at them and remove the old ones before repairing again`, path)
}
