import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify'
import rateLimitPlugin from '@fastify/rate-limit'
import { describe } from './catalog.js'
import { ConditionError } from './normalize.js'
import type { Condition } from './presets/index.js'

/** One limit: how many requests per window, counted per key. */
export interface LimitOptions {
  max: number
  /** Milliseconds, or a string such as `'1 minute'`, `'1 day'`. */
  timeWindow: number | string
  /** What a request is counted by. Default: its IP (the rate tier), or the same key as the rate tier (quota). */
  keyGenerator?: (request: FastifyRequest) => string | number | Promise<string | number>
  /** Keys (or a predicate) that are never limited. */
  allowList?: string[] | ((request: FastifyRequest, key: string) => boolean | Promise<boolean>)
}

/** Names of the headers a limit reports itself in; `false` sends none. */
export interface LimitHeaders {
  limit: string
  remaining: string
  reset: string
}

export interface QuotaOptions extends LimitOptions {
  /** Headers of the quota tier. Default: none, so they do not collide with the rate tier's. */
  headers?: LimitHeaders | false
}

/** The `rateLimit` plugin option. */
export interface RateLimitOptions extends LimitOptions {
  /** An ioredis client: instances that share it share one limit. Default: in memory. */
  redis?: unknown
  /** Prefix of the Redis keys. Default `'fastify-error-envelope-'`. */
  nameSpace?: string
  /** `X-RateLimit-Reset` as a Unix timestamp or as seconds from now. Default: what the preset's document says. */
  resetHeader?: 'unix' | 'seconds'
  /** Header names of the rate tier; `false` for none. Default `x-ratelimit-limit`, `-remaining`, `-reset`. */
  headers?: LimitHeaders | false
  /** A second, independent limit (per API key per day, say), answered with the preset's quota code. */
  quota?: QuotaOptions
  /** When the store fails or is slower than `storeTimeout`: `'open'` lets requests through with a logged warning, `'closed'` answers the preset's 503. Default `'open'`. */
  onStoreError?: 'open' | 'closed'
  /** Milliseconds to wait for the store. Default 1000. */
  storeTimeout?: number
}

/** A route's `config.rateLimit`: its own limit, or `false` for none. */
export type RouteRateLimit = false | (Partial<LimitOptions> & { groupId?: string, quota?: Partial<QuotaOptions> | false })

interface LimiterResult {
  isAllowed: boolean
  max?: number
  remaining?: number
  ttl?: number
  isExceeded?: boolean
}

type Limiter = (request: FastifyRequest) => Promise<LimiterResult>
type CreateLimiter = (options?: object) => Limiter

const defaultHeaders: LimitHeaders = { limit: 'x-ratelimit-limit', remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' }
const rateKeys = new Set(['max', 'timeWindow', 'keyGenerator', 'allowList', 'redis', 'nameSpace', 'resetHeader', 'headers', 'quota', 'onStoreError', 'storeTimeout'])

function fail (name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`fastify-error-envelope: option '${name}' expects ${expected}, instead got ${describe(value)}`)
}

function checkLimit (name: string, raw: Record<string, unknown>, partial: boolean): void {
  if ((!partial || raw.max !== undefined) && !(typeof raw.max === 'number' && Number.isInteger(raw.max) && raw.max >= 0)) {
    throw fail(`${name}.max`, 'a whole number of requests', raw.max)
  }
  const window = raw.timeWindow
  if ((!partial || window !== undefined) && !((typeof window === 'number' && window > 0) || (typeof window === 'string' && window.length > 0))) {
    throw fail(`${name}.timeWindow`, "milliseconds or a duration such as '1 minute'", window)
  }
  if (raw.keyGenerator !== undefined && typeof raw.keyGenerator !== 'function') throw fail(`${name}.keyGenerator`, 'a function', raw.keyGenerator)
  if (raw.allowList !== undefined && typeof raw.allowList !== 'function' && !Array.isArray(raw.allowList)) {
    throw fail(`${name}.allowList`, 'an array of keys or a function', raw.allowList)
  }
}

function checkHeaders (name: string, value: unknown): LimitHeaders | false | undefined {
  if (value === undefined || value === false) return value
  const h = value as Record<string, unknown>
  if (typeof value !== 'object' || value === null || typeof h.limit !== 'string' || typeof h.remaining !== 'string' || typeof h.reset !== 'string') {
    throw fail(name, 'false or { limit, remaining, reset } header names', value)
  }
  return { limit: h.limit.toLowerCase(), remaining: h.remaining.toLowerCase(), reset: h.reset.toLowerCase() }
}

export interface NormalizedRateLimit {
  options: RateLimitOptions
  resetHeader: 'unix' | 'seconds'
  headers: LimitHeaders | false
  quotaHeaders: LimitHeaders | false
  onStoreError: 'open' | 'closed'
  storeTimeout: number
}

/** Checks the `rateLimit` option; `undefined` when it is off. */
export function normalizeRateLimit (raw: unknown, presetReset: 'unix' | 'seconds'): NormalizedRateLimit | undefined {
  if (raw === undefined || raw === false) return undefined
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail('rateLimit', 'false or { max, timeWindow, … }', raw)
  const r = raw as Record<string, unknown>
  for (const key of Object.keys(r)) {
    if (!rateKeys.has(key)) throw new TypeError(`fastify-error-envelope: unknown option 'rateLimit.${key}'`)
  }
  checkLimit('rateLimit', r, false)
  if (r.quota !== undefined) {
    if (typeof r.quota !== 'object' || r.quota === null) throw fail('rateLimit.quota', '{ max, timeWindow, … }', r.quota)
    checkLimit('rateLimit.quota', r.quota as Record<string, unknown>, false)
  }
  const resetHeader = r.resetHeader ?? presetReset
  if (resetHeader !== 'unix' && resetHeader !== 'seconds') throw fail('rateLimit.resetHeader', "'unix' or 'seconds'", resetHeader)
  const onStoreError = r.onStoreError ?? 'open'
  if (onStoreError !== 'open' && onStoreError !== 'closed') throw fail('rateLimit.onStoreError', "'open' or 'closed'", onStoreError)
  const storeTimeout = r.storeTimeout ?? 1000
  if (typeof storeTimeout !== 'number' || !(storeTimeout > 0)) throw fail('rateLimit.storeTimeout', 'milliseconds', storeTimeout)
  if (r.redis !== undefined && (typeof r.redis !== 'object' || r.redis === null || typeof (r.redis as { defineCommand?: unknown }).defineCommand !== 'function')) {
    throw fail('rateLimit.redis', 'an ioredis client', r.redis)
  }
  return {
    options: raw as RateLimitOptions,
    resetHeader,
    headers: checkHeaders('rateLimit.headers', r.headers) ?? defaultHeaders,
    quotaHeaders: checkHeaders('rateLimit.quota.headers', (r.quota as Record<string, unknown> | undefined)?.headers) ?? false,
    onStoreError,
    storeTimeout
  }
}

interface RedisClient {
  defineCommand: (name: string, definition: { numberOfKeys: number, lua: string }) => void
  [command: string]: unknown
}

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

/** A @fastify/rate-limit store over ioredis whose ttl ends where Redis's window ends. */
function redisStore (redis: RedisClient, prefix: string): new () => object {
  if (typeof redis.errorEnvelopeIncr !== 'function') redis.defineCommand('errorEnvelopeIncr', { numberOfKeys: 1, lua: incrLua })
  const incr = redis.errorEnvelopeIncr as (key: string, window: number, cb: (err: Error | null, result?: [number, number]) => void) => void
  return class ErrorEnvelopeRedisStore {
    incr (key: string, cb: (err: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number): void {
      incr.call(redis, prefix + key, timeWindow, (err, result) => {
        if (err !== null || result === undefined) {
          cb(err ?? new Error('no answer from Redis'))
          return
        }
        cb(null, { current: result[0], ttl: Math.max(0, result[1] - Date.now()) })
      })
    }

    // Tiers and routes are told apart by their keys, so every child is the same store.
    child (): this {
      return this
    }
  }
}

function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`rate-limit store did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

interface Tier {
  limiter: Limiter
  headers: LimitHeaders | false
  condition: Condition
}

/**
 * Registers @fastify/rate-limit in a context of its own (so that its own
 * onRoute hook never touches the app's routes) and returns a hook per route
 * that applies the configured tiers, reports them in headers, and throws a
 * ConditionError the envelope answers.
 */
export async function setUpRateLimit (fastify: FastifyInstance, rl: NormalizedRateLimit): Promise<{ hookFor: (route: Pick<RouteOptions, 'method' | 'url' | 'config'>) => onRequestHookHandler | undefined }> {
  const { options } = rl
  const remote = options.redis !== undefined
  let create: CreateLimiter | undefined
  await fastify.register(async function rateLimitStore (child) {
    await child.register(rateLimitPlugin, {
      global: false,
      max: options.max,
      timeWindow: options.timeWindow,
      ...(options.redis === undefined ? {} : { store: redisStore(options.redis as RedisClient, options.nameSpace ?? 'fastify-error-envelope-') as never }),
      skipOnError: false
    })
    create = (child as unknown as { createRateLimit: CreateLimiter }).createRateLimit
  })
  const createLimiter = create as CreateLimiter

  function tier (scope: string, limit: Partial<LimitOptions>, base: LimitOptions, headers: LimitHeaders | false, condition: Condition): Tier {
    const keyGenerator = limit.keyGenerator ?? base.keyGenerator ?? ((request: FastifyRequest) => request.ip)
    const allow = limit.allowList ?? base.allowList
    return {
      limiter: createLimiter({
        max: limit.max ?? base.max,
        timeWindow: limit.timeWindow ?? base.timeWindow,
        // Matched against the user's key, not the scoped one the store sees.
        allowList: allow === undefined
          ? undefined
          : async (request: FastifyRequest) => {
            const key = String(await keyGenerator(request))
            return typeof allow === 'function' ? await allow(request, key) : allow.includes(key)
          },
        // Every tier and route counts apart: the store's own per-route prefix is not unique.
        keyGenerator: async (request: FastifyRequest) => `${scope}:${String(await keyGenerator(request))}`
      }),
      headers,
      condition
    }
  }

  function report (reply: FastifyReply, headers: LimitHeaders | false, result: LimiterResult): void {
    if (headers === false) return
    const ttl = result.ttl ?? 0
    reply.header(headers.limit, result.max)
    reply.header(headers.remaining, result.remaining)
    reply.header(headers.reset, rl.resetHeader === 'unix' ? Math.ceil((Date.now() + ttl) / 1000) : Math.ceil(ttl / 1000))
  }

  const quotaBase = options.quota === undefined
    ? undefined
    : { ...options.quota, keyGenerator: options.quota.keyGenerator ?? options.keyGenerator }
  const shared: Tier[] = [tier('rate', {}, options, rl.headers, 'rateLimited')]
  if (quotaBase !== undefined) shared.push(tier('quota', {}, quotaBase, rl.quotaHeaders, 'quotaExceeded'))

  function tiersFor (route: Pick<RouteOptions, 'method' | 'url' | 'config'>): Tier[] | undefined {
    const config = (route.config as { rateLimit?: RouteRateLimit } | undefined)?.rateLimit
    if (config === false) return undefined
    if (config === undefined || config === null) return shared
    if (typeof config !== 'object') throw fail(`config.rateLimit of ${String(route.method)} ${route.url}`, 'false or { max, timeWindow, … }', config)
    checkLimit(`config.rateLimit of ${String(route.method)} ${route.url}`, config as Record<string, unknown>, true)
    // Routes of one group share a count (and so one limiter: an in-memory store is per limiter);
    // other routes with limits of their own count apart.
    const scope = config.groupId === undefined ? `route:${String(route.method)}:${route.url}` : `group:${config.groupId}`
    const known = groups.get(scope)
    if (known !== undefined) return known
    const tiers = [tier(scope, config, options, rl.headers, 'rateLimited')]
    if (config.quota !== false && quotaBase !== undefined) {
      tiers.push(config.quota === undefined ? shared[1] as Tier : tier(`${scope}:quota`, config.quota, quotaBase, rl.quotaHeaders, 'quotaExceeded'))
    }
    if (config.groupId !== undefined) groups.set(scope, tiers)
    return tiers
  }
  const groups = new Map<string, Tier[]>()

  function hookFor (route: Pick<RouteOptions, 'method' | 'url' | 'config'>): onRequestHookHandler | undefined {
    const tiers = tiersFor(route)
    if (tiers === undefined) return undefined
    return async function rateLimitHook (request, reply) {
      for (const { limiter, headers, condition } of tiers) {
        let result: LimiterResult
        try {
          // The in-memory store answers synchronously; only a remote store needs a deadline.
          result = await (remote ? withTimeout(limiter(request), rl.storeTimeout) : limiter(request))
        } catch (err) {
          if (rl.onStoreError === 'closed') {
            request.log.error({ err }, 'rate-limit store failed: refusing the request (onStoreError: closed)')
            throw new ConditionError('overloaded', 1)
          }
          request.log.warn({ err }, 'rate-limit store failed: letting the request through (onStoreError: open)')
          continue
        }
        if (result.isAllowed) continue
        report(reply, headers, result)
        if (result.isExceeded === true) {
          const retryAfter = Math.max(1, Math.ceil((result.ttl ?? 0) / 1000))
          throw new ConditionError(condition, retryAfter)
        }
      }
    }
  }

  return { hookFor }
}

/**
 * Sets the limits up and adds their hook to every route registered from now
 * on; returns the hook for unmatched routes, which count against the limit too.
 */
export async function registerRateLimit (fastify: FastifyInstance, rl: NormalizedRateLimit): Promise<onRequestHookHandler | undefined> {
  const { hookFor } = await setUpRateLimit(fastify, rl)
  fastify.addHook('onRoute', function addRateLimitHook (route) {
    const hook = hookFor(route)
    if (hook === undefined) return
    route.onRequest = route.onRequest === undefined ? [hook] : [...(Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]), hook]
  })
  return hookFor({ method: 'GET', url: '*', config: {} })
}
