import { spawn } from 'node:child_process'

/**
 * For kill -9 properties: runs `script` (an ES module, under tsx) in a child process and kills it with
 * SIGKILL `delayMs` after the first line it prints; resolves with every whole line printed before the
 * kill (a line the kill cut off is left out). A child that exits any other way rejects.
 */
export function printUntilKilled(script: string, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let errors = ''
    let timer: NodeJS.Timeout | undefined
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs)
    })
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal !== 'SIGKILL') return reject(new Error(`the child exited with ${signal ?? code}: ${errors}`))
      resolve(out.split('\n').slice(0, -1)) // the last piece is '' or a line cut by the kill
    })
  })
}
