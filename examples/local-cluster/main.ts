import { runLocalCluster } from './cluster.ts'

// `npm run example local-cluster`: five nodes as separate processes on loopback.
const started = Date.now()
try {
  const result = await runLocalCluster()
  console.log('routing tables (node0-2 met by UDP broadcast, node3-4 joined through node0; all over TLS 1.3):')
  for (const [node, peers] of Object.entries(result.knows)) console.log(`  ${node} (${result.joinedBy[node]}) knows ${peers.join(', ')}`)
  console.log(`node2 published a signed record on ${result.record.holders} holders; node4 found: "${result.record.found}"`)
  console.log(`after node3 and node4 started: tables complete in ${result.timings.tablesCompleteMs} ms, record found in ${result.timings.recordFoundMs} ms`)
  console.log(`stopped: ${Object.entries(result.exitCodes).map(([n, c]) => `${n}=${c}`).join(' ')}`)
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  process.exitCode = result.stoppedCleanly ? 0 : 1
} catch (error) {
  console.error(`local-cluster failed: ${(error as Error).message}`)
  process.exitCode = 1
}
