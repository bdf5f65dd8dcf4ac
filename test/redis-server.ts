import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'
import { Redis, type RedisOptions } from 'ioredis'

/** What a test hands its cleanup to (a tap `t`). */
export interface Teardown {
  teardown: (fn: () => unknown) => void
}

export interface RedisServer {
  port: number
  url: string
  /** Stops the server (SIGTERM, SIGKILL after 2 s) and waits for it to exit. */
  stop: () => Promise<void>
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill: () => void
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause: () => void
  /** Thaws a paused server (SIGCONT): it answers what it was sent meanwhile. */
  resume: () => void
}

const redisBin = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'
const running = new Set<ChildProcess>()

// A safety net for a run that ends without its teardown: no redis-server outlives the test process.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** A loopback port that nothing listens on right now. */
export async function freePort (): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** One PING over a raw socket: true when the server answers PONG within `ms`. */
async function ping (port: number, ms: number): Promise<boolean> {
  return await new Promise<boolean>(resolve => {
    const socket = connect({ port, host: '127.0.0.1' })
    let answer = ''
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), ms)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString()
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'))
    })
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
  })
}

function exited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

async function waitExit (child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return true
  return await new Promise<boolean>(resolve => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/**
 * Starts a real redis-server on a loopback port (a free one, or `port` to
 * start it again where a killed one was), with no persistence, and waits
 * (5 s at most) until it answers PING. With `t`, it is stopped in teardown.
 */
export async function startRedis (opts: { t?: Teardown, port?: number } = {}): Promise<RedisServer> {
  const port = opts.port ?? await freePort()
  const child = spawn(redisBin, ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(child)
  let output = ''
  const collect = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-4000) }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  let spawnError: Error | undefined
  child.once('error', err => { spawnError = err })
  child.once('exit', () => { running.delete(child) })

  const stop = async (): Promise<void> => {
    if (exited(child)) return
    // A frozen server would hold SIGTERM until thawed.
    child.kill('SIGCONT')
    child.kill('SIGTERM')
    if (!await waitExit(child, 2000)) {
      child.kill('SIGKILL')
      await waitExit(child, 2000)
    }
  }
  const kill = (): void => {
    if (!exited(child)) child.kill('SIGKILL')
  }
  const pause = (): void => {
    if (!exited(child)) child.kill('SIGSTOP')
  }
  const resume = (): void => {
    if (!exited(child)) child.kill('SIGCONT')
  }
  opts.t?.teardown(stop)

  const deadline = Date.now() + 5000
  for (;;) {
    if (spawnError !== undefined || exited(child)) {
      await stop()
      throw new Error(`redis-server did not start on port ${port}: ${spawnError?.message ?? output}`)
    }
    if (await ping(port, 500)) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`redis-server did not answer PING on port ${port} within 5 s: ${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop, kill, pause, resume }
}

/** Client options that fail fast while Redis is down and reconnect when it is back. */
export const failFastOptions: RedisOptions = {
  host: '127.0.0.1',
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  connectTimeout: 500,
  retryStrategy: () => 50,
  lazyConnect: false
}

/**
 * An ioredis client of `port` with {@link failFastOptions} (overridable).
 * Waits (5 s at most) until it is ready unless `waitReady` is false.
 * With `t`, it is disconnected in teardown.
 */
export async function redisClient (port: number, opts: { t?: Teardown, waitReady?: boolean, options?: RedisOptions } = {}): Promise<Redis> {
  const client = new Redis({ ...failFastOptions, port, ...opts.options })
  // Connection errors are expected while Redis is down; without a listener ioredis prints each one.
  client.on('error', () => {})
  opts.t?.teardown(() => { client.disconnect() })
  if (opts.waitReady !== false) await clientReady(client, 5000)
  return client
}

/** Resolves when `client` is ready (at once if it is), rejects after `ms`. */
export async function clientReady (client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady)
      reject(new Error(`ioredis client not ready within ${ms} ms (status ${client.status})`))
    }, ms)
    function onReady (): void {
      clearTimeout(timer)
      resolve()
    }
    client.once('ready', onReady)
  })
}
