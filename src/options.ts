import { assertCatalog, catalogOf, type CatalogSpec } from './catalog.js'
import { buildFormat, formatNames, formatSchemas, type FormatName } from './formats/index.js'
import { normalizeMaintenance, type MaintenanceState } from './maintenance.js'
import { checkKeys, headerName, isPlainObject, optionError } from './option-error.js'
import { presets, type FieldRules, type PresetName } from './presets/index.js'
import { resolvePreset, type ResolvedPreset } from './presets/resolve.js'
import { normalizeRateLimit, type NormalizedRateLimit, type RateLimitOptions } from './rate-limit/index.js'
import { systemClock, type Format, type FormatterFunction } from './record.js'
import type { FormatSpec } from './formats/index.js'
import { defaultRedactKeys, redactPattern } from './safe.js'

/** The options `fastify.register(errorEnvelope, options)` takes. */
export interface ErrorEnvelopeOptions {
  /** Which API's error reference the bodies follow: the AITBC error reference (`'aitbc'`, the default), the GenAI API's, the sessions API's, TokenBay Gateway's or RFC 9457's problem details. */
  preset?: PresetName
  /** Overrides the preset's body format: a built-in name, a function of the error record, or a full Format. Synchronous: an async one fails register. */
  format?: FormatName | FormatterFunction | (Omit<Format, 'name'> & { name?: string })
  /** Your codes, from `defineErrors()` or as a plain object of code → `{ status, message, … }`; merged over the preset's catalog. */
  errors?: CatalogOption
  /** Rate limits and quotas through `@fastify/rate-limit`, answered with the preset's 429 (or quota) code. Default: off. */
  rateLimit?: false | RateLimitOptions
  /** A maintenance switch: while enabled, every request gets the preset's maintenance 503 with Retry-After. Toggle with `fastify.setMaintenance()`. */
  maintenance?: { enabled?: boolean, retryAfter?: number }
  /** Show the real message of 5xx errors. Only for development. Default false. */
  exposeInternalErrors?: boolean
  validation?: {
    /** Also list every violation in formats whose document shows only one (`problem` always lists them). Default false. */
    allErrors?: boolean
    /** Field-specific codes, merged over the preset's: `{ prompt: { maxLength: 'VALIDATION_PROMPT_TOO_LONG' } }`. */
    fieldRules?: FieldRules
  }
  /** Response header that carries the request id. Default `'x-request-id'`. */
  requestIdHeader?: string
  /** Base URI for the `problem` format's `type` member. Default: `about:blank`. */
  problemTypeBase?: string
  /** Answer unmatched routes with the envelope. Default true. */
  notFound?: boolean
  /** The clock of `meta.timestamp`; set it in tests for stable snapshots. */
  now?: () => Date
  /**
   * Send `x-should-retry` (from the code's retryable flag) and `retry-after-ms`,
   * which OpenAI's SDKs obey. Default: on for the `openai` format.
   */
  retryHeaders?: boolean
  /** Answer `application/problem+json` to a client whose `Accept` asks for it, whatever the preset. Default false. */
  negotiate?: boolean
  /**
   * Key words whose values are replaced by `[Redacted]` in `details` and log lines, matched by the
   * words of a key (split on `_`, `-`, `.`, camelCase): `ssn` matches `user_ssn`. Replaces the
   * built-in words (password, secret, access/refresh `token`, authorization, api key, cookie,
   * session id…). Credential-looking values are redacted whatever the key; `false` turns both off.
   */
  redact?: string[] | false
  /**
   * Maps your own error classes before anything else looks at them: return an
   * ApiError (or anything throwable) to answer with, or undefined to leave the
   * error as it is. It may be async: the handler waits for it. If it throws or rejects,
   * the error is answered as it is and the failure logged.
   *
   * @example
   * mapError: err => err instanceof PaymentDeclined ? new ApiError('PAYMENT_FAILED', { cause: err }) : undefined
   */
  mapError?: (error: unknown) => unknown | Promise<unknown>
  /**
   * Serve the active catalog as pages of this API: `GET <prefix>` lists every code,
   * `GET <prefix>/:code` explains one (JSON when the client asks for it). The `problem`
   * format's `type` then links to the code's page. Default: off.
   *
   * @example
   * docs: { prefix: '/errors', docUrl: true, baseUrl: 'https://api.example.com' }
   */
  docs?: false | DocsOptions
  /**
   * What happens when a route that declares its errors (`config.errors`) answers a code it did not
   * declare, the conditions it meets excepted: `'warn'` logs one line per route and code, `'throw'`
   * answers the internal error instead and logs why (for test suites), `'off'` checks nothing. Default `'warn'`.
   */
  undeclared?: 'off' | 'warn' | 'throw'
  /**
   * Document, beside a route's declared codes, the conditions it can meet without declaring them
   * (request validation, a body the server refuses, rate limits, maintenance, the internal error).
   * Only routes with `config.errors` are documented. Default true.
   */
  documentConditions?: boolean
  /**
   * With `@opentelemetry/api` installed: the request's span gets `error.type` (the error code) and
   * the status of every error answer, ERROR status and the exception only for 5xx and programming
   * errors, and the `fastify_error_envelope.errors` counter counts answers by code, status and route.
   * `false` turns it off (and never loads the API). Default true.
   */
  telemetry?: boolean
  /**
   * Where a 4xx is logged. `'line'`: a line of its own at info (code, status, request id, message).
   * `'completion'`: no line of its own; `error_code` is carried on Fastify's own `request completed`
   * line (which has the status and request id), one line fewer per 4xx. 5xx and programming errors
   * always get their own line with the stack. Default `'line'`.
   */
  clientErrorLog?: 'line' | 'completion'
}

/** The `errors` option: a catalog spec, or the factories `defineErrors()` made of one. */
export type CatalogOption = CatalogSpec | { readonly [code: string]: { readonly code: string, readonly status: number, readonly message: string } }

/** The `docs` option: error pages served by the API itself. */
export interface DocsOptions {
  /** Path of the pages: letters, digits, `.`, `_`, `~` and `-` in segments that start with `/`. Default `'/errors'`. */
  prefix?: string
  /** Add a `doc_url` member, the link to the code's page, to `flat`, `envelope` and `openai` bodies. Default false. */
  docUrl?: boolean
  /** Origin (and path) the links start with, to make them absolute: `'https://api.example.com'`. Default: relative links. */
  baseUrl?: string
  /** The pages' title, your API's own: `'Acme API errors'`. Plain text, at most 120 characters. Default `'Error codes'`. */
  title?: string
  /** A paragraph of plain text under the index's title: what the API is, where to get help. At most 2000 characters. Default: none. */
  intro?: string
}

export type { ResolvedCondition } from './presets/resolve.js'

/** Everything the handlers need, checked and resolved once at registration. */
export interface ResolvedOptions extends Pick<ResolvedPreset, 'catalog' | 'conditions' | 'statusCodes' | 'fieldRules' | 'validationMessage'> {
  preset: PresetName
  format: Format
  /** The preset's own format: the internal-error body comes from it when a custom `format` fails. */
  presetFormat: Format
  exposeInternalErrors: boolean
  requestIdHeader: string
  notFound: boolean
  now: () => Date
  retryHeaders: boolean
  /** The problem format, when negotiation is on. */
  negotiate: Format | undefined
  rateLimit: NormalizedRateLimit | undefined
  maintenance: MaintenanceState | undefined
  /** Secret-looking keys of details; null when redaction is off. */
  redact: RegExp | null
  mapError: ((error: unknown) => unknown | Promise<unknown>) | undefined
  /** The error pages, when the `docs` option is on. */
  docs: ResolvedDocs | undefined
  undeclared: 'off' | 'warn' | 'throw'
  documentConditions: boolean
  /** The JSON schema of the active format's body, when it is a built-in format; undefined for a custom one. */
  formatSchema: (typeof formatSchemas)[FormatName] | undefined
  telemetry: boolean
  clientErrorLog: 'line' | 'completion'
}

export interface ResolvedDocs {
  /** The route path of the index page, below the plugin's own route prefix. */
  prefix: string
  docUrl: boolean
  /** What a code is appended to (after a `/`) to link to its page. */
  links: string
  /** The pages' title. */
  title: string
  /** The index's intro paragraph, when one was given. */
  intro?: string
}

const knownOptions = new Set(['preset', 'format', 'errors', 'rateLimit', 'exposeInternalErrors', 'validation', 'requestIdHeader', 'problemTypeBase', 'notFound', 'now', 'retryHeaders', 'negotiate', 'maintenance', 'redact', 'mapError', 'docs', 'undeclared', 'documentConditions', 'telemetry', 'clientErrorLog'])
const docsKeys = new Set(['prefix', 'docUrl', 'baseUrl', 'title', 'intro'])
const validationKeys = new Set(['allErrors', 'fieldRules'])
const formatKeys = new Set(['name', 'build', 'contentType', 'serialize'])
const mediaTypePattern = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+\s*(?:;.*)?$/
/**
 * The keywords a field rule can match: what Ajv reports (TypeBox and Zod errors are mapped onto
 * these names), and `*`. Anything else is a typo that would never match, so it is refused.
 */
const fieldRuleKeywords = new Set([
  '*', 'required', 'dependentRequired', 'dependencies', 'type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains',
  'minProperties', 'maxProperties', 'additionalProperties', 'additionalItems', 'propertyNames', 'unevaluatedProperties',
  'unevaluatedItems', 'format', 'pattern', 'enum', 'const', 'anyOf', 'oneOf', 'not', 'if', 'discriminator',
  'formatMinimum', 'formatMaximum', 'formatExclusiveMinimum', 'formatExclusiveMaximum'
])
const docsPrefix = /^(?:\/[A-Za-z0-9._~-]+)+$/

const defaultPreset: PresetName = 'aitbc'
const defaultRequestIdHeader = 'x-request-id'

/**
 * Formats build every error body inside the error handler, which cannot wait: a promise would
 * be sent as `{}`. An `async` function is refused here; one that returns a promise anyway is
 * caught at its first use (see serializeWith).
 */
function assertSynchronous (fn: unknown, name: string): void {
  if (typeof fn === 'function' && fn.constructor.name === 'AsyncFunction') {
    throw new TypeError(`fastify-error-envelope: option '${name}' expects a synchronous function, instead got an async function: an error body must be built without waiting`)
  }
}

function resolveFormat (raw: unknown, presetFormat: FormatSpec, violations: boolean, typeBase: string | undefined, docUrl: boolean): Format {
  if (raw === undefined) {
    return buildFormat(typeBase === undefined ? presetFormat : { ...presetFormat, problem: { typeBase } }, violations, docUrl)
  }
  if (typeof raw === 'string') {
    if (!(formatNames as readonly string[]).includes(raw)) {
      throw optionError('format', `one of ${formatNames.map(n => `'${n}'`).join(', ')} or a function`, raw)
    }
    // A preset keeps its own shape of a format it already uses (sessions' `data: null`).
    const spec = presetFormat.name === raw ? presetFormat : { name: raw as FormatName }
    return buildFormat({ ...spec, problem: { typeBase } }, violations, docUrl)
  }
  if (typeof raw === 'function') {
    assertSynchronous(raw, 'format')
    return { name: raw.name === '' ? 'custom' : raw.name, contentType: 'application/json; charset=utf-8', build: raw as FormatterFunction }
  }
  if (isPlainObject(raw) && typeof raw.build === 'function') {
    checkKeys(raw, formatKeys, 'format.')
    assertSynchronous(raw.build, 'format.build')
    assertSynchronous(raw.serialize, 'format.serialize')
    const contentType = raw.contentType ?? 'application/json; charset=utf-8'
    // A media type, as Content-Type needs (RFC 9110 §8.3): anything else would be sent as it is, and negotiation could not weigh it.
    if (typeof contentType !== 'string' || !mediaTypePattern.test(contentType)) throw optionError('format.contentType', "a media type such as 'application/vnd.acme+json'", contentType)
    if (raw.serialize !== undefined && typeof raw.serialize !== 'function') throw optionError('format.serialize', 'a function', raw.serialize)
    return { ...(raw as unknown as Format), name: typeof raw.name === 'string' ? raw.name : 'custom', contentType }
  }
  throw optionError('format', `one of ${formatNames.map(n => `'${n}'`).join(', ')}, a function or { build, contentType }`, raw)
}

/**
 * Checks the plugin options against their defaults and resolves the preset,
 * catalog and format once, so that handling an error does no lookups by name.
 * Throws a TypeError naming the option for anything it cannot use.
 * `routePrefix` is the prefix of the context the plugin is registered in,
 * where the `docs` pages are served.
 */
export function resolveOptions (raw: unknown = {}, routePrefix = ''): ResolvedOptions {
  if (!isPlainObject(raw)) throw optionError('options', 'an object', raw)
  checkKeys(raw, knownOptions, '')

  const presetName = raw.preset ?? defaultPreset
  if (typeof presetName !== 'string' || !Object.hasOwn(presets, presetName)) {
    throw optionError('preset', `one of ${Object.keys(presets).map(n => `'${n}'`).join(', ')}`, presetName)
  }
  const preset = presets[presetName as PresetName]

  const rateLimit = normalizeRateLimit(raw.rateLimit, preset.rateLimitReset ?? 'seconds')
  const maintenance = normalizeMaintenance(raw.maintenance)
  if (raw.mapError !== undefined && typeof raw.mapError !== 'function') throw optionError('mapError', 'a function', raw.mapError)
  const redact = raw.redact ?? defaultRedactKeys
  if (redact !== false && (!Array.isArray(redact) || !redact.every(k => typeof k === 'string' && k.length > 0))) {
    throw optionError('redact', 'false or an array of key names', redact)
  }

  const expose = raw.exposeInternalErrors ?? false
  if (typeof expose !== 'boolean') throw optionError('exposeInternalErrors', 'a boolean', expose)
  const notFound = raw.notFound ?? true
  if (typeof notFound !== 'boolean') throw optionError('notFound', 'a boolean', notFound)

  const requestIdHeader = raw.requestIdHeader ?? defaultRequestIdHeader
  if (typeof requestIdHeader !== 'string' || !headerName.test(requestIdHeader)) {
    throw optionError('requestIdHeader', 'an HTTP header name', requestIdHeader)
  }

  const now = raw.now ?? systemClock
  if (typeof now !== 'function') throw optionError('now', 'a function returning a Date', now)

  const telemetry = raw.telemetry ?? true
  if (typeof telemetry !== 'boolean') throw optionError('telemetry', 'a boolean', telemetry)

  const clientErrorLog = raw.clientErrorLog ?? 'line'
  if (clientErrorLog !== 'line' && clientErrorLog !== 'completion') throw optionError('clientErrorLog', "'line' or 'completion'", clientErrorLog)

  const negotiate = raw.negotiate ?? false
  if (typeof negotiate !== 'boolean') throw optionError('negotiate', 'a boolean', negotiate)

  const typeBase = raw.problemTypeBase
  if (typeBase !== undefined && typeof typeBase !== 'string') throw optionError('problemTypeBase', 'a URI string', typeBase)

  const validation = raw.validation ?? {}
  if (!isPlainObject(validation)) throw optionError('validation', 'an object', validation)
  checkKeys(validation, validationKeys, 'validation.')
  const allErrors = validation.allErrors ?? false
  if (typeof allErrors !== 'boolean') throw optionError('validation.allErrors', 'a boolean', allErrors)
  const userRules = validation.fieldRules ?? {}
  if (!isPlainObject(userRules)) throw optionError('validation.fieldRules', 'an object of field → { keyword: code }', userRules)

  let errors: CatalogSpec | undefined
  if (raw.errors !== undefined) {
    const spec = catalogOf(raw.errors)
    assertCatalog(spec, "fastify-error-envelope: option 'errors'")
    errors = spec
  }
  for (const [field, rules] of Object.entries(userRules)) {
    if (!isPlainObject(rules)) throw optionError(`validation.fieldRules.${field}`, 'an object of keyword → code', rules)
    checkKeys(rules, fieldRuleKeywords, `validation.fieldRules.${field}.`, { what: ": not a keyword any validator reports (use Ajv's names, such as 'maxLength', or '*')" })
  }
  const resolved = resolvePreset(presetName as PresetName, errors, userRules as FieldRules)

  const docs = resolveDocs(raw.docs, routePrefix)
  const format = resolveFormat(raw.format, resolved.format, allErrors, typeBase, docs?.docUrl ?? false)
  const retryHeaders = raw.retryHeaders ?? format.name === 'openai'
  if (typeof retryHeaders !== 'boolean') throw optionError('retryHeaders', 'a boolean', retryHeaders)
  const undeclared = raw.undeclared ?? 'warn'
  if (undeclared !== 'off' && undeclared !== 'warn' && undeclared !== 'throw') throw optionError('undeclared', "'off', 'warn' or 'throw'", undeclared)
  const documentConditions = raw.documentConditions ?? true
  if (typeof documentConditions !== 'boolean') throw optionError('documentConditions', 'a boolean', documentConditions)

  return {
    preset: presetName as PresetName,
    catalog: resolved.catalog,
    conditions: resolved.conditions,
    statusCodes: resolved.statusCodes,
    fieldRules: resolved.fieldRules,
    validationMessage: resolved.validationMessage,
    format,
    presetFormat: raw.format === undefined ? format : resolveFormat(undefined, resolved.format, allErrors, typeBase, docs?.docUrl ?? false),
    exposeInternalErrors: expose,
    requestIdHeader: requestIdHeader.toLowerCase(),
    notFound,
    now: now as () => Date,
    retryHeaders,
    negotiate: negotiate ? buildFormat({ name: 'problem', problem: { typeBase } }, allErrors) : undefined,
    rateLimit,
    maintenance,
    redact: redact === false ? null : redactPattern(redact),
    mapError: raw.mapError as ResolvedOptions['mapError'],
    docs,
    undeclared,
    documentConditions,
    // A custom format says nothing of its body's shape.
    formatSchema: raw.format === undefined || typeof raw.format === 'string' ? formatSchemas[format.name as FormatName] : undefined,
    telemetry,
    clientErrorLog
  }
}

function resolveDocs (raw: unknown, routePrefix: string): ResolvedDocs | undefined {
  if (raw === undefined || raw === false) return undefined
  if (!isPlainObject(raw)) throw optionError('docs', 'false or { prefix?, docUrl?, baseUrl?, title?, intro? }', raw)
  checkKeys(raw, docsKeys, 'docs.')
  const prefix = raw.prefix ?? '/errors'
  if (typeof prefix !== 'string' || !docsPrefix.test(prefix)) {
    throw optionError('docs.prefix', "a path that starts with '/' and does not end with one, of letters, digits, '.', '_', '~' and '-'", prefix)
  }
  const docUrl = raw.docUrl ?? false
  if (typeof docUrl !== 'boolean') throw optionError('docs.docUrl', 'a boolean', docUrl)
  let base = ''
  if (raw.baseUrl !== undefined) {
    const url = typeof raw.baseUrl === 'string' && URL.canParse(raw.baseUrl) ? new URL(raw.baseUrl) : undefined
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' ||
      url.username !== '' || url.password !== '') {
      throw optionError('docs.baseUrl', "an absolute http(s) URL without query or fragment, such as 'https://api.example.com'", raw.baseUrl)
    }
    base = url.origin + url.pathname.replace(/\/+$/, '')
  }
  const title = raw.title ?? 'Error codes'
  if (typeof title !== 'string' || title.trim() === '' || title.length > 120 || /\p{Cc}/u.test(title)) {
    throw optionError('docs.title', 'a line of plain text of 1 to 120 characters', title)
  }
  const resolved: ResolvedDocs = { prefix, docUrl, links: base + routePrefix + prefix, title }
  if (raw.intro !== undefined) {
    if (typeof raw.intro !== 'string' || raw.intro.trim() === '' || raw.intro.length > 2000) {
      throw optionError('docs.intro', 'plain text of 1 to 2000 characters', raw.intro)
    }
    resolved.intro = raw.intro
  }
  return resolved
}
