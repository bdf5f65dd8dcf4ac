import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify'
import { ConditionError } from '../condition-error.js'
import type { Condition } from '../presets/index.js'
import { normalizeRouteLimit, type Limit, type LimitHeaders, type NormalizedRateLimit, type RateLimitHook } from './options.js'
import { Breaker, redisCounter, StoreUnavailable, type StoreCall } from './store.js'
import { internalModule, isThenable } from '../safe.js'
import { reportIetf } from './ietf-headers.js'

/** What a limiter answers: `@fastify/rate-limit`'s own result (always whole: we give it no allowList), or the Redis store's. */
interface LimiterResult {
  isAllowed: boolean
  max: number
  remaining: number
  ttl: number
  isExceeded: boolean
}

/** What a limiter of `@fastify/rate-limit` is asked with: the key, worked out beforehand, and nothing of the request. */
interface KeyOnly {
  key: string
  routeOptions: { config: Record<string, never> }
}

type Limiter = (request: KeyOnly) => Promise<LimiterResult>
type CreateLimiter = (options?: object) => Limiter

/** `@fastify/rate-limit`'s in-memory store: it counts and answers synchronously, through its callback. */
interface LocalStore {
  incr: (key: string, cb: (err: Error | null, res: { current: number, ttl: number }) => void, timeWindow: number, max: number) => void
}
type LocalStoreClass = new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => LocalStore

/**
 * The in-memory store class `@fastify/rate-limit` counts with (it has no `exports` map, so its files
 * can be loaded), or `undefined` when a version lays them out otherwise: then its `createRateLimit`.
 */
function loadLocalStore (): LocalStoreClass | undefined {
  const store = internalModule('@fastify/rate-limit/store/LocalStore.js')
  /* c8 ignore next -- the @fastify/rate-limit we depend on has it; one whose files are laid out otherwise falls back to createRateLimit */
  return typeof store === 'function' && typeof (store.prototype as Partial<LocalStore>).incr === 'function' ? store as LocalStoreClass : undefined
}

/** What `@fastify/rate-limit`'s limiter answers for a tier's count: the same, from either store. */
function resultOf (tier: Tier, { current, ttl }: { current: number, ttl: number }): LimiterResult {
  return { isAllowed: false, max: tier.max, remaining: Math.max(0, tier.max - current), ttl, isExceeded: current > tier.max }
}

interface Tier {
  /** The client's key; throws when the app's keyGenerator or allowList does. `undefined`: never limited. */
  key: (request: FastifyRequest) => string | undefined | Promise<string | undefined>
  max: number
  timeWindow: number
  scope: string
  /** The in-memory store of this tier, counted synchronously (absent with Redis). */
  store: LocalStore | undefined
  /** The in-memory limiter of this tier when the store class could not be loaded (absent with Redis). */
  limiter: Limiter | undefined
  headers: LimitHeaders | false
  condition: Condition
}

type Route = Pick<RouteOptions, 'method' | 'url' | 'config'>

function routeName (route: Route): string {
  return `${String(route.method)} ${route.url}`
}

/**
 * Makes a store per tier (`@fastify/rate-limit`'s in-memory store, or Redis)
 * and returns a hook per route that applies the configured tiers, reports them
 * in headers, and throws a ConditionError the envelope answers. The in-memory
 * store is used directly, not through a registered `@fastify/rate-limit` (whose
 * limiter answers with promises); registering it in a context of its own is
 * only the fallback for a version that keeps the store elsewhere.
 */
async function setUpRateLimit (fastify: FastifyInstance, rl: NormalizedRateLimit): Promise<{ hookFor: (route: Route) => onRequestHookHandler | undefined }> {
  const { options } = rl
  // Loaded here, not at the top: an app without the rateLimit option never loads @fastify/rate-limit.
  const { default: rateLimitPlugin, normalizeIP } = await import('@fastify/rate-limit')
  // As @fastify/rate-limit keys a request by default: IPv6 per /64 (one subscriber's network), IPv4-mapped as IPv4.
  const byAddress = (request: FastifyRequest): string => normalizeIP(request.ip)
  const count = options.redis === undefined ? undefined : redisCounter(options.redis as never, options.nameSpace ?? 'fastify-error-envelope-')
  const breaker = new Breaker(rl.cooldown)
  let createLimiter: CreateLimiter | undefined
  const Store = count === undefined ? loadLocalStore() : undefined
  /* c8 ignore start -- the fallback for a @fastify/rate-limit whose store file is not where 11.x keeps it */
  if (count === undefined && Store === undefined) {
    await fastify.register(async function rateLimitStore (child) {
      await child.register(rateLimitPlugin, { global: false, max: rl.rate.max, timeWindow: rl.rate.timeWindow, skipOnError: false })
      createLimiter = (child as unknown as { createRateLimit: CreateLimiter }).createRateLimit
    })
  }
  /* c8 ignore stop */

  function tier (scope: string, limit: Partial<Limit>, base: Limit, headers: LimitHeaders | false, condition: Condition): Tier {
    const keyGenerator = limit.keyGenerator ?? base.keyGenerator ?? byAddress
    const allow = limit.allowList ?? base.allowList
    const max = limit.max ?? base.max
    const timeWindow = limit.timeWindow ?? base.timeWindow
    return {
      // Not guarded: a throw here is the app's bug, answered as the internal error rather than let through uncounted.
      // A synchronous key generator without an allowList (the default) answers without a promise: every limited request pays for this.
      key (request) {
        const generated = keyGenerator(request)
        if (allow === undefined && !isThenable(generated)) return String(generated)
        return allowedKey(request, generated, allow)
      },
      max,
      timeWindow,
      scope,
      // As @fastify/rate-limit makes the store of a limiter: neither continueExceeding nor exponentialBackoff.
      store: Store === undefined ? undefined : new Store(false, false, rl.cache),
      /* c8 ignore next -- the fallback for a @fastify/rate-limit whose store file is not where 11.x keeps it */
      limiter: createLimiter?.({ max, timeWindow, cache: rl.cache, keyGenerator: (request: KeyOnly) => request.key }),
      headers,
      condition
    }
  }

  async function allowedKey (request: FastifyRequest, generated: unknown, allow: Limit['allowList']): Promise<string | undefined> {
    const key = String(await generated)
    if (allow === undefined) return key
    // Matched against the user's key, not the scoped one the store sees.
    const allowed = typeof allow === 'function' ? await allow(request, key) : allow.includes(key)
    return allowed ? undefined : key
  }

  /** Counts one hit of `key`; rejects with the store's failure, a timeout, or a breaker that is open. */
  function hit (tier: Tier, key: string, deadline: number, calls: StoreCall[]): Promise<LimiterResult> {
    // Every tier and route counts apart: @fastify/rate-limit's own per-route prefix is not unique.
    const scoped = `${tier.scope}:${key}`
    if (tier.store !== undefined) return Promise.resolve(countIn(tier, tier.store, scoped))
    /* c8 ignore next -- the fallback for a @fastify/rate-limit whose store file is not where 11.x keeps it */
    if (tier.limiter !== undefined) return tier.limiter({ key: scoped, routeOptions: { config: {} } })
    return hitStore(tier, scoped, deadline, calls)
  }

  /** One hit in the in-memory store, with what `@fastify/rate-limit`'s limiter would answer. */
  function countIn (tier: Tier, store: LocalStore, scoped: string): LimiterResult {
    let counted: { current: number, ttl: number } | undefined
    store.incr(scoped, (_err, res) => { counted = res }, tier.timeWindow, tier.max)
    return resultOf(tier, counted as { current: number, ttl: number })
  }

  async function hitStore (tier: Tier, scoped: string, deadline: number, calls: StoreCall[]): Promise<LimiterResult> {
    const admitted = breaker.admit()
    if (admitted === false) throw new StoreUnavailable('rate-limit store not called: it failed recently (breaker open)', true)
    const call = (count as NonNullable<typeof count>)(scoped, tier.timeWindow)
    calls.push(call)
    return resultOf(tier, await breaker.watch(call, deadline - Date.now(), admitted === 'probe'))
  }

  /** A counted tier's headers: the preset's X-RateLimit-* and, with `headerStyle` asking for them, the IETF fields. */
  function report (reply: FastifyReply, tier: Tier, result: LimiterResult): void {
    const { headers } = tier
    if (headers !== false) {
      const ttl = result.ttl
      reply.header(headers.limit, result.max)
      reply.header(headers.remaining, result.remaining)
      reply.header(headers.reset, rl.resetHeader === 'unix' ? Math.ceil((Date.now() + ttl) / 1000) : Math.ceil(ttl / 1000))
    }
    if (rl.ietf) reportIetf(reply, { name: tier.condition === 'quotaExceeded' ? 'quota' : 'rate', max: tier.max, timeWindow: tier.timeWindow, remaining: result.remaining, ttl: result.ttl })
  }

  const quotaBase = rl.quota === undefined ? undefined : { ...rl.quota, keyGenerator: rl.quota.keyGenerator ?? rl.rate.keyGenerator }
  const shared: Tier[] = [tier('rate', {}, rl.rate, rl.headers, 'rateLimited')]
  if (quotaBase !== undefined) shared.push(tier('quota', {}, quotaBase, rl.quotaHeaders, 'quotaExceeded'))
  const groups = new Map<string, Tier[]>()

  function tiersFor (route: Route): Tier[] | undefined {
    const config = (route.config as { rateLimit?: unknown } | undefined)?.rateLimit
    if (config === false) return undefined
    if (config === undefined || config === null) return shared
    const name = routeName(route)
    const own = normalizeRouteLimit(config, name)
    // Routes of one group share a count (and so one limiter: an in-memory store is per limiter);
    // other routes with limits of their own count apart.
    const scope = own.groupId === undefined ? `route:${name.replace(' ', ':')}` : `group:${own.groupId}`
    const known = groups.get(scope)
    if (known !== undefined) return known
    const tiers = [tier(scope, own.rate, rl.rate, rl.headers, 'rateLimited')]
    if (own.quota !== false && quotaBase !== undefined) {
      tiers.push(own.quota === undefined
        ? shared[1] as Tier
        : tier(`${scope}:quota`, own.quota, quotaBase, own.quota.headers ?? rl.quotaHeaders, 'quotaExceeded'))
    }
    if (own.groupId !== undefined) groups.set(scope, tiers)
    return tiers
  }

  function hookFor (route: Route): onRequestHookHandler | undefined {
    const found = tiersFor(route)
    if (found === undefined) return undefined
    const tiers: Tier[] = found

    /** The tiers from `from` on, with promises: a key generator or allowList that answers later, or Redis. */
    async function limitFrom (request: FastifyRequest, reply: FastifyReply, from: number, firstKey: unknown): Promise<void> {
      // One deadline for the whole request, whatever the number of tiers.
      const deadline = Date.now() + rl.storeTimeout
      const calls: StoreCall[] = []
      for (let i = from; i < tiers.length; i++) {
        const tier = tiers[i] as Tier
        const pending = i === from ? firstKey : tier.key(request)
        const key = typeof pending === 'string' ? pending : await pending as string | undefined
        if (key === undefined) continue
        let result: LimiterResult
        try {
          result = await hit(tier, key, deadline, calls)
        } catch (err) {
          const skipped = err instanceof StoreUnavailable && err.skipped
          if (rl.onStoreError === 'closed') {
            // A refused request must not use up the limit once the store answers (late, or replayed from a client's queue).
            for (const call of calls) call.undo()
            if (skipped) request.log.debug('rate-limit store skipped while its breaker is open: refusing the request (onStoreError: closed)')
            else request.log.error({ err, cooldown: rl.cooldown }, 'rate-limit store failed: refusing requests until it answers again (onStoreError: closed)')
            throw new ConditionError('overloaded', 1)
          }
          if (skipped) request.log.debug('rate-limit store skipped while its breaker is open: letting the request through (onStoreError: open)')
          else request.log.warn({ err, cooldown: rl.cooldown }, 'rate-limit store failed: letting requests through uncounted until it answers again (onStoreError: open)')
          // Without the store no tier can be counted, and a half-counted request would only skew the others.
          return
        }
        report(reply, tier, result)
        if (result.isExceeded) throw exceeded(tier, result)
      }
    }

    // A callback hook, not an async one: with the in-memory store and synchronous keys (the
    // default) every tier is counted and reported without a promise, so a request that passes
    // costs no more turns of the microtask queue than one with no limit at all.
    const rateLimitHook: onRequestHookHandler = function rateLimitHook (request, reply, done) {
      for (let i = 0; i < tiers.length; i++) {
        const tier = tiers[i] as Tier
        const key = tier.key(request)
        if (tier.store === undefined || typeof key !== 'string') {
          // A rejection with no reason must still fail the request, as it would from an async hook.
          limitFrom(request, reply, i, key).then(() => { done() }, (err: unknown) => {
            done(err === undefined || err === null ? new Error('rate-limit hook: a key generator or allowList rejected with no reason') : err as Error)
          })
          return
        }
        const result = countIn(tier, tier.store, `${tier.scope}:${key}`)
        report(reply, tier, result)
        if (result.isExceeded) {
          done(exceeded(tier, result))
          return
        }
      }
      done()
    }
    // A preParsing hook is called with the payload before its callback.
    if (rl.hook !== 'preParsing') return rateLimitHook
    return function rateLimitPreParsing (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply, _payload: unknown, done: (err?: Error) => void) {
      rateLimitHook.call(this, request, reply, done)
    } as unknown as onRequestHookHandler
  }

  function exceeded (tier: Tier, result: LimiterResult): ConditionError {
    return new ConditionError(tier.condition, Math.max(1, Math.ceil(result.ttl / 1000)))
  }

  return { hookFor }
}

/** Puts `hook` first among the route's own hooks of `stage`. */
function addFirst (route: RouteOptions, stage: RateLimitHook, hook: onRequestHookHandler): void {
  const current = route[stage] as unknown
  const rest = current === undefined ? [] : Array.isArray(current) ? current : [current]
  ;(route as unknown as Record<string, unknown>)[stage] = [hook, ...rest]
}

/**
 * Sets the limits up and adds their hook to every route registered from now
 * on; returns the hooks for unmatched routes, which count against the limit too.
 */
export async function registerRateLimit (fastify: FastifyInstance, rl: NormalizedRateLimit): Promise<{ preValidation?: onRequestHookHandler, preHandler?: onRequestHookHandler }> {
  const { hookFor } = await setUpRateLimit(fastify, rl)
  fastify.addHook('onRoute', function addRateLimitHook (route) {
    const hook = hookFor(route)
    if (hook !== undefined) addFirst(route, rl.hook, hook)
  })
  // No config.rateLimit: always the shared tiers.
  const notFound = hookFor({ method: 'GET', url: '*', config: {} }) as onRequestHookHandler
  // A not-found handler takes preValidation and preHandler hooks only: the earliest that matches the stage.
  return rl.hook === 'preHandler' ? { preHandler: notFound } : { preValidation: notFound }
}

/**
 * Without the plugin's `rateLimit`, a route's `config.rateLimit` is read by
 * nobody unless the app registered `@fastify/rate-limit` itself: fail the
 * route rather than leave it unlimited in silence.
 */
export function refuseUnreadRouteLimits (fastify: FastifyInstance): void {
  fastify.addHook('onRoute', function checkRouteRateLimit (this: FastifyInstance, route) {
    const config = (route.config as { rateLimit?: unknown } | undefined)?.rateLimit
    if (config === undefined || config === null || config === false) return
    // The context the route is added in: @fastify/rate-limit decorates the one it was registered in.
    if (this.hasDecorator('rateLimit')) return
    throw new TypeError(`fastify-error-envelope: route ${routeName(route)} has config.rateLimit, but nothing applies it: set the plugin's rateLimit option, or register @fastify/rate-limit before the route`)
  })
}
