import { ReasonedError } from '../../core/errors.ts'

/**
 * Exit status when vain cannot write its output (stdout, or the --trace file): sysexits.h's EX_IOERR,
 * the status shells and CI scripts already read as "an I/O error"; 1 to 6 are taken (docs/cli.md).
 */
export const EXIT_WRITE_FAILED = 74

// Why a write failed, in words; another code is shown as it is (`write failed (ECODE)`).
const WRITE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is too large for the file system',
  EIO: 'an input/output error (the device refused the write)',
  EROFS: 'read-only file system',
  EBADF: 'it is not open for writing',
  EAGAIN: 'it would block (a non-blocking descriptor that is full)',
}

/** Output that could not be written: `what` names it (`the output`, `the trace to t.jsonl`). */
export class WriteFailure extends ReasonedError<string> {
  readonly _tag = 'WriteFailure' as const
  override readonly name = 'WriteFailure'
  constructor(
    readonly what: string,
    readonly code: string,
  ) {
    super(code, `cannot write ${what}: ${WRITE_PROBLEMS[code] ?? `write failed (${code})`}`)
  }
}

/** The system error code of a failed write (a `write` call, or an error of a stream being written), or undefined. */
export function writeErrorCode(error: unknown): string | undefined {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown }
  return typeof code === 'string' && (syscall === 'write' || code === 'EPIPE') ? code : undefined
}

/**
 * What a failed write means for the process: a closed pipe (`vain replay … | head`) ends the output
 * quietly with status 0; any other failure is one `vain: cannot write …` line and EXIT_WRITE_FAILED.
 * Undefined when `error` is no write failure.
 */
export function writeFailureExit(error: unknown, what = 'the output'): { readonly line?: string; readonly status: number } | undefined {
  const failure = error instanceof WriteFailure ? error : writeErrorCode(error) === undefined ? undefined : new WriteFailure(what, writeErrorCode(error) as string)
  if (failure === undefined) return undefined
  return failure.code === 'EPIPE' ? { status: 0 } : { line: `vain: ${failure.message}`, status: EXIT_WRITE_FAILED }
}
