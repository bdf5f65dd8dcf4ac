import { createRequire } from 'node:module'
import type { FastifyRequest } from 'fastify'
import { checkKeys as checkKnownKeys, isPlainObject as isObject, optionError as fail } from '../option-error.js'
import { headerStyles, type RateLimitHeaderStyle } from './ietf-headers.js'

/** One limit: how many requests per window, counted per key. */
export interface LimitOptions {
  max: number
  /** Milliseconds, or a string such as `'1 minute'`, `'1 day'` (read as `@fastify/rate-limit` reads it). */
  timeWindow: number | string
  /** What a request is counted by. Default: its IP, IPv6 grouped per /64 (the rate tier), or the same key as the rate tier (quota). A throw is the app's bug: the request gets the internal error. */
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

/** The request hook the limiter runs in, first of that stage's route hooks. */
export type RateLimitHook = 'onRequest' | 'preParsing' | 'preValidation' | 'preHandler'

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
  /**
   * `'x-ratelimit'` (default): the `X-RateLimit-*` headers of the preset's document; `'ietf'`: the IETF
   * draft's `RateLimit` and `RateLimit-Policy` fields instead, every tier as one policy (`rate`,
   * `quota`); `'both'`: both.
   */
  headerStyle?: RateLimitHeaderStyle
  /** A second, independent limit (per API key per day, say), answered with the preset's quota code. */
  quota?: QuotaOptions
  /** When the store fails or is slower than `storeTimeout`: `'open'` lets requests through with a logged warning, `'closed'` answers the preset's 503 (and does not count them). Default `'open'`. */
  onStoreError?: 'open' | 'closed'
  /** Milliseconds a request waits for the store, all tiers together. Default 1000. */
  storeTimeout?: number
  /** After a store failure or timeout the store is not called for `cooldown` ms (requests are answered per `onStoreError` at once), then one request probes it. Default `{ cooldown: 1000 }`. */
  breaker?: { cooldown?: number }
  /** Keys the in-memory store remembers per limit (least recently used ones are forgotten first). Default 5000. Not with `redis`. */
  cache?: number
  /** Where the limiter runs. Default `'onRequest'`: before the route's own hooks, so requests they reject count too. */
  hook?: RateLimitHook
}

/** A route's `config.rateLimit`: its own limit, or `false` for none. */
export type RouteRateLimit = false | (Partial<LimitOptions> & { groupId?: string, quota?: Partial<QuotaOptions> | false })

/*
 * A route's `config.rateLimit` is typed by @fastify/rate-limit's own declaration
 * (`FastifyContextConfig.rateLimit?: RateLimitOptions | false`), which this module
 * loads. A second declaration of that property with our type would be an error
 * wherever both are seen, so we add our one extra member to its RateLimitOptions
 * instead: one declaration, whether or not the app imports @fastify/rate-limit.
 * Its members we do not take (`ban`, `hook`, a function `max`…) compile, and fail
 * the route's registration with a TypeError naming them.
 */
declare module '@fastify/rate-limit' {
  interface RateLimitOptions {
    /** fastify-error-envelope: the route's own quota (`false`: none); default, the plugin's `rateLimit.quota`. */
    quota?: Partial<QuotaOptions> | false
  }
}

/** A limit whose window is in milliseconds. */
export interface Limit {
  max: number
  timeWindow: number
  keyGenerator?: LimitOptions['keyGenerator']
  allowList?: LimitOptions['allowList']
}

export interface NormalizedRateLimit {
  options: RateLimitOptions
  rate: Limit
  quota: Limit | undefined
  resetHeader: 'unix' | 'seconds'
  headers: LimitHeaders | false
  quotaHeaders: LimitHeaders | false
  /** Whether the IETF `RateLimit` and `RateLimit-Policy` fields are sent. */
  ietf: boolean
  onStoreError: 'open' | 'closed'
  storeTimeout: number
  cooldown: number
  cache: number | undefined
  hook: RateLimitHook
}

/** What a route asks for, checked: its limit, and its quota (`false`: none; `undefined`: the plugin's). */
export interface RouteLimit {
  rate: Partial<Limit>
  groupId: string | undefined
  quota: (Partial<Limit> & { headers: LimitHeaders | false | undefined }) | false | undefined
}

type ParseDuration = (text: string) => number | undefined
let parseDuration: ParseDuration | undefined

/**
 * The very parser `@fastify/rate-limit` loads for its own strings, so that what we accept it reads the
 * same way. Loaded on the first duration string: resolving a path loads nothing, and an app without
 * the rateLimit option never gets here.
 */
function parse (text: string): number | undefined {
  if (parseDuration === undefined) {
    const rateLimitEntry = createRequire(import.meta.url).resolve('@fastify/rate-limit')
    parseDuration = (createRequire(rateLimitEntry)('@lukeed/ms') as { parse: ParseDuration }).parse
  }
  return parseDuration(text)
}

export const hooks: readonly RateLimitHook[] = ['onRequest', 'preParsing', 'preValidation', 'preHandler']
export const defaultHeaders: LimitHeaders = { limit: 'x-ratelimit-limit', remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' }

const limitKeys = ['max', 'timeWindow', 'keyGenerator', 'allowList']
const rateKeys = new Set([...limitKeys, 'redis', 'nameSpace', 'resetHeader', 'headers', 'headerStyle', 'quota', 'onStoreError', 'storeTimeout', 'breaker', 'cache', 'hook'])
const quotaKeys = new Set([...limitKeys, 'headers'])
const routeKeys = new Set([...limitKeys, 'groupId', 'quota'])
const headerKeys = new Set(['limit', 'remaining', 'reset'])
const breakerKeys = new Set(['cooldown'])

function checkKeys (name: string, raw: Record<string, unknown>, known: Set<string>, route?: string): void {
  checkKnownKeys(raw, known, `${name}.`, { route })
}

/** Milliseconds, as `@fastify/rate-limit` would use them, or a TypeError: a window it cannot read would silently stop limiting. */
function windowOf (name: string, value: unknown, route?: string): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parse(value) : undefined
  // It truncates numbers; a window under 1 ms (or none) expires every key at once.
  if (ms === undefined || !Number.isFinite(ms) || Math.trunc(ms) < 1) {
    throw fail(name, "a positive number of milliseconds or a duration @fastify/rate-limit reads, such as '1 minute', '2 hours', '1 day'", value, route)
  }
  return Math.trunc(ms)
}

function checkLimit (name: string, raw: Record<string, unknown>, partial: boolean, route?: string): Partial<Limit> {
  if ((!partial || raw.max !== undefined) && !(typeof raw.max === 'number' && Number.isInteger(raw.max) && raw.max >= 0)) {
    throw fail(`${name}.max`, 'a whole number of requests', raw.max, route)
  }
  const timeWindow = !partial || raw.timeWindow !== undefined ? windowOf(`${name}.timeWindow`, raw.timeWindow, route) : undefined
  if (raw.keyGenerator !== undefined && typeof raw.keyGenerator !== 'function') throw fail(`${name}.keyGenerator`, 'a function', raw.keyGenerator, route)
  if (raw.allowList !== undefined && typeof raw.allowList !== 'function' && !Array.isArray(raw.allowList)) {
    throw fail(`${name}.allowList`, 'an array of keys or a function', raw.allowList, route)
  }
  const limit: Partial<Limit> = {}
  if (raw.max !== undefined) limit.max = raw.max as number
  if (timeWindow !== undefined) limit.timeWindow = timeWindow
  if (raw.keyGenerator !== undefined) limit.keyGenerator = raw.keyGenerator as Limit['keyGenerator']
  if (raw.allowList !== undefined) limit.allowList = raw.allowList as Limit['allowList']
  return limit
}

function checkHeaders (name: string, value: unknown, route?: string): LimitHeaders | false | undefined {
  if (value === undefined || value === false) return value
  if (!isObject(value) || typeof value.limit !== 'string' || typeof value.remaining !== 'string' || typeof value.reset !== 'string') {
    throw fail(name, 'false or { limit, remaining, reset } header names', value, route)
  }
  checkKeys(name, value, headerKeys, route)
  return { limit: value.limit.toLowerCase(), remaining: value.remaining.toLowerCase(), reset: value.reset.toLowerCase() }
}

/** Checks the `rateLimit` option; `undefined` when it is off. */
export function normalizeRateLimit (raw: unknown, presetReset: 'unix' | 'seconds'): NormalizedRateLimit | undefined {
  if (raw === undefined || raw === false) return undefined
  if (!isObject(raw)) throw fail('rateLimit', 'false or { max, timeWindow, … }', raw)
  checkKeys('rateLimit', raw, rateKeys)
  const rate = checkLimit('rateLimit', raw, false) as Limit
  let quota: Limit | undefined
  if (raw.quota !== undefined) {
    if (!isObject(raw.quota)) throw fail('rateLimit.quota', '{ max, timeWindow, … }', raw.quota)
    checkKeys('rateLimit.quota', raw.quota, quotaKeys)
    quota = checkLimit('rateLimit.quota', raw.quota, false) as Limit
  }
  const resetHeader = raw.resetHeader ?? presetReset
  if (resetHeader !== 'unix' && resetHeader !== 'seconds') throw fail('rateLimit.resetHeader', "'unix' or 'seconds'", resetHeader)
  const onStoreError = raw.onStoreError ?? 'open'
  if (onStoreError !== 'open' && onStoreError !== 'closed') throw fail('rateLimit.onStoreError', "'open' or 'closed'", onStoreError)
  const storeTimeout = raw.storeTimeout ?? 1000
  if (typeof storeTimeout !== 'number' || !(storeTimeout > 0) || !Number.isFinite(storeTimeout)) throw fail('rateLimit.storeTimeout', 'milliseconds', storeTimeout)
  if (raw.redis !== undefined && (typeof raw.redis !== 'object' || raw.redis === null || typeof (raw.redis as { defineCommand?: unknown }).defineCommand !== 'function')) {
    throw fail('rateLimit.redis', 'an ioredis client', raw.redis)
  }
  const breaker = raw.breaker ?? {}
  if (!isObject(breaker)) throw fail('rateLimit.breaker', '{ cooldown }', breaker)
  checkKeys('rateLimit.breaker', breaker, breakerKeys)
  const cooldown = breaker.cooldown ?? 1000
  if (typeof cooldown !== 'number' || !Number.isFinite(cooldown) || cooldown < 0) throw fail('rateLimit.breaker.cooldown', 'milliseconds (0 or more)', cooldown)
  const cache = raw.cache
  if (cache !== undefined) {
    if (typeof cache !== 'number' || !Number.isSafeInteger(cache) || cache < 1) throw fail('rateLimit.cache', 'a positive whole number of keys', cache)
    // Redis forgets nothing before its window ends: a cache size there would be a promise we do not keep.
    if (raw.redis !== undefined) throw fail('rateLimit.cache', 'no value with rateLimit.redis (it sizes the in-memory store)', cache)
  }
  const hook = raw.hook ?? 'onRequest'
  if (!hooks.includes(hook as RateLimitHook)) throw fail('rateLimit.hook', "'onRequest', 'preParsing', 'preValidation' or 'preHandler'", hook)
  const headerStyle = raw.headerStyle ?? 'x-ratelimit'
  if (!headerStyles.includes(headerStyle as RateLimitHeaderStyle)) throw fail('rateLimit.headerStyle', "'x-ratelimit', 'ietf' or 'both'", headerStyle)
  const headers = checkHeaders('rateLimit.headers', raw.headers) ?? defaultHeaders
  // `headers: false` sends no rate-limit header at all: IETF fields beside it would be a contradiction.
  if (headers === false && headerStyle !== 'x-ratelimit') throw fail('rateLimit.headerStyle', "'x-ratelimit' (or no value) with rateLimit.headers: false", headerStyle)
  const xHeaders = headerStyle !== 'ietf'
  if (!xHeaders && raw.headers !== undefined) throw fail('rateLimit.headers', "no value with rateLimit.headerStyle: 'ietf' (it names the X-RateLimit-* headers, which 'ietf' does not send)", raw.headers)
  return {
    options: raw as unknown as RateLimitOptions,
    rate,
    quota,
    resetHeader,
    headers: xHeaders ? headers : false,
    quotaHeaders: (xHeaders ? checkHeaders('rateLimit.quota.headers', (raw.quota as Record<string, unknown> | undefined)?.headers) : undefined) ?? false,
    ietf: headerStyle !== 'x-ratelimit',
    onStoreError,
    storeTimeout,
    cooldown,
    cache: cache as number | undefined,
    hook: hook as RateLimitHook
  }
}

/** Checks a route's `config.rateLimit` (when it is an object); `route` names it in errors. */
export function normalizeRouteLimit (config: unknown, route: string): RouteLimit {
  if (!isObject(config)) throw fail('config.rateLimit', 'false or { max, timeWindow, … }', config, route)
  checkKeys('config.rateLimit', config, routeKeys, route)
  const rate = checkLimit('config.rateLimit', config, true, route)
  if (config.groupId !== undefined && (typeof config.groupId !== 'string' || config.groupId === '')) {
    throw fail('config.rateLimit.groupId', 'a non-empty string', config.groupId, route)
  }
  let quota: RouteLimit['quota']
  if (config.quota === false || config.quota === undefined) {
    quota = config.quota
  } else {
    if (!isObject(config.quota)) throw fail('config.rateLimit.quota', 'false or { max, timeWindow, … }', config.quota, route)
    checkKeys('config.rateLimit.quota', config.quota, quotaKeys, route)
    quota = { ...checkLimit('config.rateLimit.quota', config.quota, true, route), headers: checkHeaders('config.rateLimit.quota.headers', config.quota.headers, route) }
  }
  return { rate, groupId: config.groupId as string | undefined, quota }
}
