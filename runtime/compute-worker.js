// The entry of a compute worker thread (runtime/compute-pool.ts). The project is TypeScript run through
// tsx with no build step, and a worker thread starts without its parent's loader: register it first.
import { register } from 'tsx/esm/api'

register()
await import('./compute-worker.ts')
