import type { FastifyReply } from 'fastify'

/**
 * Which rate-limit fields a response carries: the `X-RateLimit-*` headers each preset's document
 * shows, the IETF draft's `RateLimit` and `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers-10,
 * Structured Fields), or both.
 */
export type RateLimitHeaderStyle = 'x-ratelimit' | 'ietf' | 'both'

export const headerStyles: readonly RateLimitHeaderStyle[] = ['x-ratelimit', 'ietf', 'both']

/** One limit's state, as the IETF fields report it. */
export interface PolicyState {
  /** The policy's name: `rate` or `quota`. */
  name: string
  max: number
  /** Milliseconds. */
  timeWindow: number
  remaining: number
  /** Milliseconds until the window resets. */
  ttl: number
}

function append (reply: FastifyReply, name: string, item: string): void {
  const current = reply.getHeader(name)
  reply.header(name, current === undefined ? item : `${String(current)}, ${item}`)
}

/**
 * Adds one policy to `RateLimit-Policy` (`"rate";q=100;w=60`: quota and window in seconds) and its
 * state to `RateLimit` (`"rate";r=42;t=30`: remaining and seconds to reset); a request that several
 * limits count gets one list member per limit. `t` is rounded as `Retry-After` is (up, at least 1),
 * so on a 429 it equals `Retry-After` and the body's `retry_after`.
 */
export function reportIetf (reply: FastifyReply, state: PolicyState): void {
  const window = Math.max(1, Math.ceil(state.timeWindow / 1000))
  append(reply, 'ratelimit-policy', `"${state.name}";q=${state.max};w=${window}`)
  append(reply, 'ratelimit', `"${state.name}";r=${state.remaining};t=${Math.max(1, Math.ceil(state.ttl / 1000))}`)
}
