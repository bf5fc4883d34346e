import { runBftCluster } from './cluster.ts'

// `npm run example bft-cluster`: a committee of four `vain node` processes on loopback, one killed and restarted.
try {
  const r = await runBftCluster()
  const t = r.timings
  console.log(`${r.nodes} validators (one process each, TLS 1.3 links over loopback), one genesis; entries submitted through each node's control socket`)
  console.log(`identities made in ${t.identitiesMs} ms; nodes up in ${t.startMs} ms; first entry committed ${t.firstCommitMs} ms after their spawn; entry latency p50 ${t.entryLatencyP50Ms} ms (submitted → durably committed)`)
  console.log(`${r.victim} SIGKILLed at height ${r.victimHeightAtKill}; restarted on its data dir when the others were at ${r.othersHeightAtRestart}; caught up in ${t.catchUpMs} ms`)
  console.log(`entries acknowledged as committed before the kill: ${r.ackedBeforeKill}, acknowledged entries missing from a chain at the end: ${r.missing.length}`)
  console.log(`entries acknowledged after the restart: ${r.ackedAfterRestart} (${r.ackedByRestarted} through ${r.victim})`)
  console.log(`chains (every node holds heights 0..${r.commonHeight - 1}; heights where two nodes differ: ${r.disagreements.length === 0 ? 'none' : r.disagreements.join(', ')}):`)
  for (const c of r.chains) console.log(`  ${c.name}: height ${c.height}, head ${c.head.slice(0, 16)}…, chain hash of heights 0..${r.commonHeight - 1} ${c.commonChainHash}`)
  console.log(`stopped: ${Object.entries(r.exitCodes).map(([n, c]) => `${n}=${c}`).join(' ')}; done in ${(t.totalMs / 1000).toFixed(1)} s`)
  process.exitCode = r.stoppedCleanly && r.disagreements.length === 0 && r.missing.length === 0 ? 0 : 1
} catch (error) {
  console.error(`bft-cluster failed: ${(error as Error).message}`)
  process.exitCode = 1
}
