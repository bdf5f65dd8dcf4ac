import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'
import type { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { Redis, type RedisOptions } from 'ioredis'
import type { RateLimitOptions } from '../src/index.js'
import { build } from './helper.js'

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

// What the Redis tests share beside the server: an app that limits through it, and HTTP to that app.
// Every wait is bounded: a request aborts after 8 s, a wait for Redis or for an answer gives up after 8 s.

const boundMs = 8000

export interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
  ms: number
}

/** One GET with fetch; the body parsed as JSON (or `{ notJson: text }`), and how long it took. */
export async function get (url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const started = Date.now()
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(boundMs) })
  const text = await res.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { notJson: text }
  }
  return { status: res.status, headers: res.headers, body, ms: Date.now() - started }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Asks until `done` holds for an answer, 8 s at most; returns that answer. */
export async function until (url: string, done: (answer: Answer) => boolean): Promise<Answer> {
  const deadline = Date.now() + boundMs
  for (;;) {
    const answer = await get(url)
    if (done(answer)) return answer
    if (Date.now() > deadline) throw new Error(`no matching answer from ${url} within ${boundMs} ms; last: ${answer.status} ${JSON.stringify(answer.body)}`)
    await sleep(100)
  }
}

export interface InstanceOptions {
  preset?: 'aitbc' | 'sessions'
  /** Where the app logs, at info level. */
  logStream?: Writable
  /** More routes, beside `GET /v1/things`. */
  routes?: (app: FastifyInstance) => void
}

/** One instance of the app: the plugin with `rateLimit`, `GET /v1/things`, listening on its own loopback port. */
export async function instance (t: Teardown, rateLimit: RateLimitOptions, opts: InstanceOptions = {}): Promise<{ app: FastifyInstance, base: string }> {
  const app = await build(t, {
    plugin: { preset: opts.preset ?? 'aitbc', rateLimit },
    server: opts.logStream === undefined ? {} : { logger: { level: 'info', stream: opts.logStream } }
  })
  app.get('/v1/things', async () => ({ ok: true }))
  opts.routes?.(app)
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base }
}

/** Waits (2 s at most) until `client` has seen its connection drop. */
export async function lost (client: Redis): Promise<void> {
  const deadline = Date.now() + 2000
  while (client.status === 'ready') {
    if (Date.now() > deadline) throw new Error('the client still sees Redis 2 s after it went away')
    await sleep(10)
  }
}

/** Commands the client has sent and Redis has not answered. */
export function inFlight (client: Redis): number {
  return (client as unknown as { commandQueue: { length: number } }).commandQueue.length
}

/** Waits (8 s at most) until `client` has no command left unanswered. */
export async function drained (client: Redis): Promise<void> {
  const deadline = Date.now() + boundMs
  while (inFlight(client) > 0) {
    if (Date.now() > deadline) throw new Error(`${inFlight(client)} commands still unanswered`)
    await sleep(20)
  }
}

/** Freezes `server` (SIGSTOP) until the test ends, or until it is resumed. */
export function frozen (t: Teardown, server: RedisServer): void {
  // Never leave a frozen server behind a failed assertion.
  t.teardown(() => { server.resume() })
  server.pause()
}
