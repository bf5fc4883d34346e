/** `vain/actors/blob` (package.json `exports`): chunked, content-addressed blob transfer with backpressure. */
export { BlobTransfer, DEFAULT_BLOB_STORE, type BlobTransferOptions } from './blob-transfer.ts'
export { BlobFetchError, DEFAULT_CHUNK_BYTES, DEFAULT_MAX_FETCHES, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_WINDOW, type FetchDone, type FetchFailure } from './fetcher.ts'
export { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_PEER, DEFAULT_SESSION_IDLE_MS } from './holder.ts'
export { BlobMessage, MAX_CHUNK_BYTES } from './messages.ts'
