// Rate limiting: its options (checked without loading @fastify/rate-limit), the Redis store, and the hooks that apply it.
export { normalizeRateLimit, type RateLimitOptions, type QuotaOptions, type LimitOptions, type LimitHeaders, type RouteRateLimit, type RateLimitHook, type NormalizedRateLimit } from './options.js'
export { registerRateLimit, refuseUnreadRouteLimits } from './hooks.js'
