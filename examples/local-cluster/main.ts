import { runLocalCluster } from './cluster.ts'

// `npm run example local-cluster`: five nodes as separate processes on loopback.
const started = Date.now()
try {
  const result = await runLocalCluster(5)
  console.log('who sees whom (signed pings answered over authenticated TLS 1.3 links):')
  for (const [node, peers] of Object.entries(result.sees)) console.log(`  ${node} sees ${peers.join(', ')}`)
  console.log(`stopped: ${Object.entries(result.exitCodes).map(([n, c]) => `${n}=${c}`).join(' ')}`)
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  process.exitCode = result.stoppedCleanly ? 0 : 1
} catch (error) {
  console.error(`local-cluster failed: ${(error as Error).message}`)
  process.exitCode = 1
}
