/** What the store answers for one hit: the count in the window and the window's rest in ms. */
export interface Count {
  current: number
  ttl: number
}

/**
 * One call to the store. It may outlive the request that made it (a stalled
 * Redis answers late or never), so it holds the key and nothing of the request.
 */
export interface StoreCall {
  promise: Promise<Count>
  /** Takes the hit back (now, or when a late answer comes): the request it counted was refused. */
  undo: () => void
}

interface RedisClient {
  defineCommand: (name: string, definition: { numberOfKeys: number, lua: string }) => void
  [command: string]: unknown
}

type RedisCallback<T> = (err: Error | null, result?: T) => void

// INCR with the window's end by Redis's own clock, so that every instance reports the same
// reset whatever its latency or clock skew (PTTL alone is measured before the reply travels).
const incrLua = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local now = redis.call('TIME')
return {current, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + ttl}
`

// A plain DECR would create a key with no expiry when the window has already ended.
const undoLua = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
`

/** Counts hits in Redis through ioredis; every tier and route counts under its own key. */
export function redisCounter (redis: RedisClient, prefix: string): (key: string, timeWindow: number) => StoreCall {
  if (typeof redis.errorEnvelopeIncr !== 'function') redis.defineCommand('errorEnvelopeIncr', { numberOfKeys: 1, lua: incrLua })
  if (typeof redis.errorEnvelopeUndo !== 'function') redis.defineCommand('errorEnvelopeUndo', { numberOfKeys: 1, lua: undoLua })
  const incr = redis.errorEnvelopeIncr as (key: string, window: number, cb: RedisCallback<[number, number]>) => void
  const undo = redis.errorEnvelopeUndo as (key: string, cb: RedisCallback<number>) => void

  return function count (key, timeWindow) {
    const scoped = prefix + key
    let counted = false
    let undone = false
    // Best effort: if Redis fails now, the hit stays and expires with its window.
    const takeBack = (): void => { undo.call(redis, scoped, () => {}) }
    const promise = new Promise<Count>((resolve, reject) => {
      incr.call(redis, scoped, timeWindow, (err, result) => {
        /* c8 ignore next 2 -- ioredis answers a script with an error or its reply, and the script always returns two numbers: the guard keeps a malformed reply from throwing inside ioredis's callback */
        if (err !== null || result === undefined) {
          reject(err ?? new Error('no answer from Redis'))
          return
        }
        counted = true
        if (undone) takeBack()
        resolve({ current: result[0], ttl: Math.max(0, result[1] - Date.now()) })
      })
    })
    return {
      promise,
      undo () {
        /* c8 ignore next -- the hook takes each call back once; undo stays idempotent so that a second call can never take a hit back twice */
        if (undone) return
        undone = true
        if (counted) takeBack()
      }
    }
  }
}

/** Why a request did not get an answer from the store. */
export class StoreUnavailable extends Error {
  constructor (message: string, readonly skipped: boolean) {
    super(message)
    this.name = 'StoreUnavailable'
  }
}

/**
 * A circuit breaker in front of the store. A failure or a timeout opens it:
 * for `cooldown` ms nothing calls the store; then one request probes it, and
 * only a probe answered within its deadline closes it again. While a call
 * that outlived its deadline is still unanswered no probe is sent either: a
 * stalled Redis would only queue it, so what waits on Redis stays bounded by
 * the calls in flight when it stalled.
 */
export class Breaker {
  #openUntil = 0
  #open = false
  #probing = false
  #unanswered = 0

  constructor (readonly cooldown: number) {}

  /** Whether a call may go to the store now: `'call'`, `'probe'` (the one call of a half-open breaker), or `false`. */
  admit (): 'call' | 'probe' | false {
    if (!this.#open) return 'call'
    if (this.#probing || this.#unanswered > 0 || Date.now() < this.#openUntil) return false
    this.#probing = true
    return 'probe'
  }

  /** Waits `ms` at most for `call`, and learns from how it ends. */
  async watch (call: StoreCall, ms: number, probe: boolean): Promise<Count> {
    let timer: NodeJS.Timeout | undefined
    let late = false
    const settle = (ok: boolean): void => {
      if (late) this.#unanswered--
      else clearTimeout(timer)
      if (probe) this.#probing = false
      if (!ok) this.#trip()
      else if (probe && !late) this.#open = false
    }
    call.promise.then(() => settle(true), () => settle(false))
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        late = true
        // A probe that timed out stays the probe until its answer settles it: while it is unanswered no probe is sent anyway.
        this.#unanswered++
        this.#trip()
        reject(new StoreUnavailable(`rate-limit store did not answer within the storeTimeout (${Math.round(ms)} ms)`, false))
      }, Math.max(0, ms))
    })
    return await Promise.race([call.promise, deadline])
  }

  #trip (): void {
    this.#open = true
    this.#openUntil = Date.now() + this.cooldown
  }
}
