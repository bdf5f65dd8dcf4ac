/**
 * `fastify-error-envelope/client`: the other end of the wire. Reads an error
 * response of any of the plugin's formats (and of APIs that speak them) into
 * one typed error, and retries a request the way the presets' documents say.
 *
 * It has no runtime dependency on Fastify or on Node: it runs wherever `fetch`
 * does (browsers, edge runtimes, Deno, Bun, Node ≥ 18). The presets' catalogs
 * it consults are plain data (`fastify-error-envelope/catalogs`), and so is
 * the user's catalog it takes (`{ catalog }`): no `ApiError`, no factories,
 * nothing of Fastify reaches a browser bundle.
 */
export type { RetryGuidance } from './catalog.js'
export { ApiClientError, type ApiClientErrorInit, type ClientErrorCode, type ErrorBodyFormat } from './client/error.js'
export type { ClientCatalog, CodeOf } from './client/catalog.js'
export { parseApiError, type FetchResponseLike, type InjectResponseLike, type ParseOptions } from './client/parse.js'
export { fetchWithRetry, type HeadersInitLike, type RetryInfo, type RetryPolicy } from './client/retry.js'
export { parseStreamError, readStream, type StreamMessage, type StreamResponseLike } from './client/stream.js'
