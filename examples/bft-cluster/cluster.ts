import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommittedBlock } from '../../actors/node/node-consensus.ts'
import { blake2b } from '../../core/hash.ts'
import { toHex } from '../../core/bytes.ts'
import { ControlClient } from '../../bin/cli/node-control-client.ts'
import { dataDirOf, freeTcpPort, LOOPBACK, runVain, spawnNode, stopAll, Waiter, type VainProcess } from '../local-cluster/processes.ts'

/**
 * A committee of real `vain node` processes on loopback (docs/consensus.md, *Real nodes*): each
 * validator's identity is made with `vain node identity`, the genesis lists them all, and every node
 * runs the BFT voter. Entries go in through the nodes' control sockets (as `vain node submit --wait`
 * sends them), to every node in turn; one node is SIGKILLed mid-run and restarted on its data dir and
 * port; at the end every node's chain is read back (`vain node chain`) and compared height by height.
 */

export interface BftClusterOptions {
  /** Validators, each its own process: 4 to 7 (4 is the least that survives one failure). */
  readonly nodes: number
  /** The pause after each block (`--block-interval`), in ms. */
  readonly blockIntervalMs: number
  /** Entries acknowledged as committed before the kill, and after the restart (by the restarted node among others). */
  readonly entriesBeforeKill: number
  readonly entriesAfterRestart: number
  /** How long the victim stays down, in ms. */
  readonly downMs: number
  /** The most any one step may take before the run fails, in ms. */
  readonly stepTimeoutMs: number
}

export const DEFAULT_BFT_CLUSTER: BftClusterOptions = {
  nodes: 4,
  // 250 ms: a few blocks a second, so the run shows tens of blocks in seconds; `vain node` defaults to 1 s.
  blockIntervalMs: 250,
  entriesBeforeKill: 8,
  entriesAfterRestart: 8,
  // Long enough for the others to commit several blocks without it, so its restart must catch up.
  downMs: 3_000,
  stepTimeoutMs: 30_000,
}

/** What each node holds at the end. */
export interface NodeChain {
  readonly name: string
  readonly height: number
  /** The hash of its last block: it commits to the whole chain (each block names its parent). */
  readonly head: string
  /** BLAKE2b of its block hashes up to the height every node holds: equal on every node when they agree. */
  readonly commonChainHash: string
}

export interface BftClusterResult {
  readonly nodes: number
  readonly victim: string
  readonly chains: readonly NodeChain[]
  /** The lowest height among the nodes: every node holds the blocks below it. */
  readonly commonHeight: number
  /** Heights at which two nodes hold different blocks (none when they agree). */
  readonly disagreements: readonly number[]
  /** Entries acknowledged as committed before the kill. */
  readonly ackedBeforeKill: number
  /** Acknowledged entries (before the kill or after) that a chain holding their block's height lacks: none when nothing is lost. */
  readonly missing: readonly string[]
  /** Entries acknowledged after the restart, of them through the restarted node. */
  readonly ackedAfterRestart: number
  readonly ackedByRestarted: number
  /** Heights the victim's chain had when it was killed, and the others' when it came back. */
  readonly victimHeightAtKill: number
  readonly othersHeightAtRestart: number
  readonly timings: {
    /** Making the identities (`vain node identity`, one process per node, at once). */
    readonly identitiesMs: number
    /** From the nodes' spawn until every control socket was open, and until the first entry was acknowledged as committed. */
    readonly startMs: number
    readonly firstCommitMs: number
    /** Median time from submission to the commit acknowledgement, over all acknowledged entries. */
    readonly entryLatencyP50Ms: number
    /** From the victim's respawn until its chain was within a block of the others' (it votes again). */
    readonly catchUpMs: number
    readonly totalMs: number
  }
  readonly exitCodes: Readonly<Record<string, number | null>>
  readonly stoppedCleanly: boolean
}

interface Member {
  readonly name: string
  readonly index: number
  process?: VainProcess
  client?: ControlClient
  stopped: boolean
}

/** An entry acknowledged as committed: its digest, the height of its block, and how long it took. */
interface Acked {
  readonly digest: string
  /** The node it was submitted to. */
  readonly via: string
  readonly height: number
  readonly ms: number
}

/** Runs the cluster; always stops its processes and removes its temp dir, failing or not. */
export async function runBftCluster(options: BftClusterOptions = DEFAULT_BFT_CLUSTER): Promise<BftClusterResult> {
  if (options.nodes < 4 || options.nodes > 7) throw new RangeError(`a bft-cluster has 4 to 7 nodes, got ${options.nodes}`)
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), 'vain-bft-'))
  const waiter = new Waiter(options.stepTimeoutMs)
  const members: Member[] = []
  const retired: VainProcess[] = []
  try {
    const names = Array.from({ length: options.nodes }, (_, i) => `node${i}`)
    // Each validator's identity, made as its operator would make it, and a port it keeps across restarts.
    const identities = await Promise.all(names.map(async (name) => JSON.parse(await runVain(name, ['node', 'identity', '--data-dir', dataDirOf(dir, name), '--kdf', 'interactive'])).identity as string))
    const identitiesMs = Date.now() - started
    const ports = await Promise.all(names.map(() => freeTcpPort()))
    const genesis = join(dir, 'genesis.json')
    writeFileSync(genesis, JSON.stringify({ validators: names.map((name, i) => ({ name, identity: identities[i], weight: 1, url: `wss://${LOOPBACK}:${ports[i]}` })) }, null, 2))
    // (Re)starts a member's process; once its control socket is open, a client connects to it.
    const launch = (member: Member) => {
      const flags = ['--listen', `${LOOPBACK}:${ports[member.index]}`, '--genesis', genesis, '--block-interval', `${options.blockIntervalMs}ms`]
      member.process = spawnNode(member.name, dir, flags, (record) => {
        if (record.event === 'control') void ControlClient.connect(dataDirOf(dir, member.name)).then((client) => ((member.client = client), waiter.changed()))
        if (record.event === 'stopped') member.stopped = true
        waiter.changed()
      })
    }
    members.push(...names.map((name, index) => ({ name, index, stopped: false })))
    const spawnedAt = Date.now()
    members.forEach(launch)
    await waiter.until(() => members.every((m) => m.client !== undefined), 'every node to open its control socket')
    const startMs = Date.now() - spawnedAt

    const acked: Acked[] = []
    let firstCommitMs = 0
    let next = 0
    // Submits one entry to a live node (round robin over `to`), and records its acknowledgement.
    const submit = async (to: readonly Member[]) => {
      const member = to[next % to.length]!
      const text = `entry ${next++} via ${member.name}`
      const at = Date.now()
      const { digest, committed } = await member.client!.submit(new TextEncoder().encode(text), true)
      committed!.then(
        (block) => {
          acked.push({ digest, via: member.name, height: block.height, ms: Date.now() - at })
          if (firstCommitMs === 0) firstCommitMs = Date.now() - spawnedAt
          waiter.changed()
        },
        () => undefined, // its node was killed before the entry committed: it was never acknowledged
      )
    }
    // Submits an entry every half block interval (refusals, such as a full queue, are skipped) until
    // `count` more are acknowledged, and `also` holds.
    const load = async (to: readonly Member[], count: number, also = () => true) => {
      const target = acked.length + count
      const timer = setInterval(() => void submit(to).catch(() => undefined), options.blockIntervalMs / 2)
      try {
        await waiter.until(() => acked.length >= target && also(), `${count} more entries to be acknowledged as committed`)
      } finally {
        clearInterval(timer)
      }
    }
    await load(members, options.entriesBeforeKill)

    // SIGKILL mid-run: no chance to sync, close or say goodbye.
    const victim = members[2]!
    const victimHeightAtKill = await heightOf(victim)
    const ackedBeforeKill = acked.slice()
    victim.process!.child.kill('SIGKILL')
    await victim.process!.exited
    retired.push(victim.process!)
    victim.client = undefined
    const others = members.filter((m) => m !== victim)
    const down = Date.now()
    await load(others, 2)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, options.downMs - (Date.now() - down))))

    const othersHeightAtRestart = Math.max(...(await Promise.all(others.map(heightOf))))
    const restartedAt = Date.now()
    launch(victim)
    await waiter.until(() => victim.client !== undefined, 'the restarted node to open its control socket')
    // Caught up: back at the height the others are at now (within the block under way), so it votes again.
    let lag = Number.POSITIVE_INFINITY
    const poll = setInterval(() => {
      void Promise.all(members.map(heightOf)).then((heights) => {
        lag = Math.max(...heights) - heights[victim.index]!
        waiter.changed()
      }, () => undefined)
    }, 100)
    let catchUpMs = 0
    try {
      await waiter.until(() => lag <= 1, `${victim.name} to catch up with the others`)
      catchUpMs = Date.now() - restartedAt
    } finally {
      clearInterval(poll)
    }
    const beforeRestartLoad = acked.length
    // Until the restarted node has led a block again: what is submitted to it commits when it leads.
    await load(members, options.entriesAfterRestart, () => acked.slice(beforeRestartLoad).some((a) => a.via === victim.name))
    const afterRestart = acked.slice(beforeRestartLoad)

    // The chains, read back from every node, compared height by height.
    const blocks = await Promise.all(members.map((m) => m.client!.wholeChain()))
    const commonHeight = Math.min(...blocks.map((b) => b.length))
    const disagreements: number[] = []
    for (let h = 0; h < Math.max(...blocks.map((b) => b.length)); h++) {
      const hashes = new Set(blocks.flatMap((chain) => (h < chain.length ? [chain[h]!.hash] : [])))
      if (hashes.size > 1) disagreements.push(h)
    }
    // An acknowledged entry is missing from a chain that holds its height but not it there.
    const missingFrom = (a: Acked) => blocks.some((chain) => a.height < chain.length && !chain[a.height]!.entries.includes(a.digest))
    const missing = acked.filter(missingFrom).map((a) => a.digest)
    const latencies = acked.map((a) => a.ms).sort((a, b) => a - b)
    for (const m of members) m.client?.close()
    await stopAll(members.map((m) => m.process!))
    return {
      nodes: options.nodes,
      victim: victim.name,
      chains: members.map((m, i) => ({
        name: m.name,
        height: blocks[i]!.length,
        head: blocks[i]!.at(-1)?.hash ?? '',
        commonChainHash: toHex(blake2b(new TextEncoder().encode(blocks[i]!.slice(0, commonHeight).map((b) => b.hash).join('')), 16)),
      })),
      commonHeight,
      disagreements,
      ackedBeforeKill: ackedBeforeKill.length,
      missing,
      ackedAfterRestart: afterRestart.length,
      ackedByRestarted: afterRestart.filter((a) => a.via === victim.name).length,
      victimHeightAtKill,
      othersHeightAtRestart,
      timings: { identitiesMs, startMs, firstCommitMs, entryLatencyP50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0, catchUpMs, totalMs: Date.now() - started },
      exitCodes: Object.fromEntries(members.map((m) => [m.name, m.process!.child.exitCode])),
      stoppedCleanly: members.every((m) => m.stopped && m.process!.child.exitCode === 0),
    }
  } finally {
    for (const m of members) m.client?.close()
    await stopAll([...members.flatMap((m) => (m.process === undefined ? [] : [m.process])), ...retired])
    rmSync(dir, { recursive: true, force: true })
  }
}

async function heightOf(member: Member): Promise<number> {
  const status = await member.client!.status()
  return (status.consensus as { height: number }).height
}
