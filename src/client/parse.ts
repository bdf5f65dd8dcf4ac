import type { CatalogSpec } from '../catalog.js'
import { checkClientCatalog, ownEntry, type ClientCatalog, type CodeOf } from './catalog.js'
import { ApiClientError } from './error.js'
import { catalogEntry, guidanceOf, retryableStatus, retryAfterMsOf, type HeaderReader } from './guidance.js'
import { shapeOf } from './shape.js'

/** The members of a `fetch` / undici `Response` that {@link parseApiError} reads. */
export interface FetchResponseLike {
  status: number
  statusText: string
  headers: { get: (name: string) => string | null }
  text: () => Promise<string>
}

/** The members of a light-my-request `inject()` result that {@link parseApiError} reads. */
export interface InjectResponseLike {
  statusCode: number
  statusMessage?: string
  headers: Record<string, string | string[] | number | undefined>
  body?: string
  json?: () => unknown
}

/** What {@link parseApiError} reads a response with. */
export interface ParseOptions<Catalog extends CatalogSpec = CatalogSpec> {
  /**
   * The API's catalog as plain data: its codes type the error's `code` and `is()`, and its
   * entries (`retryable`, `retry`) decide the retry guidance before the presets' catalogs do.
   * Spread a preset's over yours: `{ ...catalogs.genai.catalog, ...myCatalog }`.
   */
  catalog?: ClientCatalog<Catalog>
}

/** Reads a parsed body into an ApiClientError; the user's catalog is asked about its code first, then the presets'. */
function errorFrom (status: number, statusText: string, header: HeaderReader, body: unknown, catalog: CatalogSpec | undefined): ApiClientError {
  const shape = shapeOf(body)
  const code = shape.code ?? `HTTP_${status}`
  const entry = shape.lookup === undefined ? undefined : ownEntry(catalog, code) ?? catalogEntry(code, shape.lookup)
  const shouldRetry = header('x-should-retry')
  const retryable = shouldRetry === 'true' || (shouldRetry !== 'false' && (entry?.retryable ?? retryableStatus(status)))
  return new ApiClientError({
    status,
    code,
    message: shape.message ?? statusText,
    requestId: shape.requestId ?? header('x-request-id'),
    details: shape.details,
    field: shape.field,
    docUrl: shape.docUrl,
    retryable,
    retryAfterMs: retryAfterMsOf(shape.retryAfter, header),
    format: shape.format,
    retry: guidanceOf(status, code, retryable, entry),
    body
  })
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function injectBody (response: InjectResponseLike): unknown {
  if (typeof response.body === 'string') return parseJson(response.body)
  try {
    return response.json?.()
  } catch {
    return undefined
  }
}

/**
 * Reads an error response into an {@link ApiClientError}; `undefined` when the
 * status is below 400. Recognises the plugin's four body formats (flat,
 * envelope, openai, problem) by their shape; any other body, JSON or not,
 * still gives an error, of format `unknown` with code `HTTP_<status>`.
 *
 * On a `fetch` `Response` it **reads the body** (`response.text()`, once): do
 * not read it before, and use the error's `body` afterwards. An `inject()`
 * result is read from its `body` string.
 *
 * With `catalog` (plain data: `defineCatalog()`, or a preset's `catalog` from
 * `fastify-error-envelope/catalogs`), the error's `code` is typed as the
 * catalog's codes and `error.is(code)` narrows it; the catalog's `retryable`
 * and `retry` decide the guidance for its codes. A catalog that is not plain
 * data (a `defineErrors()` result, say) is a TypeError.
 *
 * @example
 * import { parseApiError } from 'fastify-error-envelope/client'
 * import { catalogs, defineCatalog } from 'fastify-error-envelope/catalogs'
 *
 * const catalog = defineCatalog({ ...catalogs.aitbc.catalog, JOB_LOCKED: { status: 423, message: 'Job is locked', retryable: true } })
 * const response = await fetch('https://api.example.com/v1/jobs/job-1')
 * const error = await parseApiError(response, { catalog })
 * if (error?.is('JOB_NOT_FOUND', 'JOB_EXPIRED')) {
 *   console.log('gone:', error.code) // 'JOB_NOT_FOUND' | 'JOB_EXPIRED'
 * } else if (error !== undefined) {
 *   console.error(error.code, error.message, { request_id: error.requestId })
 *   throw error
 * }
 */
export async function parseApiError<Catalog extends CatalogSpec = CatalogSpec> (response: FetchResponseLike | InjectResponseLike, options?: ParseOptions<Catalog>): Promise<ApiClientError<CodeOf<Catalog>> | undefined> {
  const catalog = options?.catalog
  checkClientCatalog(catalog, 'parseApiError()')
  return await read(response, catalog) as ApiClientError<CodeOf<Catalog>> | undefined
}

/** {@link parseApiError} without the catalog check, for fetchWithRetry, which checked it once. */
export async function read (response: FetchResponseLike | InjectResponseLike, catalog: CatalogSpec | undefined): Promise<ApiClientError | undefined> {
  if ('statusCode' in response) {
    if (response.statusCode < 400) return undefined
    const headers = response.headers
    const header: HeaderReader = name => {
      const value = headers[name]
      return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value)
    }
    return errorFrom(response.statusCode, response.statusMessage ?? `HTTP ${response.statusCode}`, header, injectBody(response), catalog)
  }
  if (response.status < 400) return undefined
  const header: HeaderReader = name => response.headers.get(name) ?? undefined
  const text = await response.text()
  return errorFrom(response.status, response.statusText || `HTTP ${response.status}`, header, parseJson(text), catalog)
}
