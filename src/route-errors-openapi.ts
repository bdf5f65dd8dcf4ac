import { errorCodes } from 'fastify'
import { valuesOfSchema } from './allowed-values.js'
import { toErrorAnswer } from './answer.js'
import type { CatalogEntry } from './catalog.js'
import { ProblemDetailsSchema } from './formats/index.js'
import { ConditionError } from './condition-error.js'
import { makeFactory } from './errors.js'
import type { ResolvedOptions } from './options.js'
import type { Condition } from './presets/index.js'
import type { Format } from './record.js'

// What an example body shows for what differs per request: the same placeholders as the docs pages' samples.
export const exampleRequestId = 'req_1234567890'
export const exampleTimestamp = '2024-01-01T00:00:00Z'

/** One code a route's error responses list, with the value whose answer is its example. */
export interface ListedCode {
  code: string
  status: number
  /** The line of the response description: the code's message, or the condition's words. */
  text: string
  /** What the route throws (or meets) for this code: its answer is the example body. */
  thrown: () => unknown
  /** True for a condition the route meets without declaring it. */
  condition: boolean
}

/** What a route is, as far as its error responses depend on it. */
export interface RouteFacts {
  method: string | string[]
  url: string
  schema: Record<string, unknown> | undefined
  config: Record<string, unknown> | undefined
}

/** A declared code: the answer of its factory called with no arguments, as docs pages show it. */
export function declaredCode (code: string, entry: CatalogEntry): ListedCode {
  return { code, status: entry.status, text: entry.message, thrown: () => makeFactory(code, entry)(), condition: false }
}

// Fastify parses a body for these methods (DELETE and OPTIONS too, when one is sent).
const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'QUERY', 'DELETE', 'OPTIONS'])
const validated = ['body', 'querystring', 'query', 'params', 'headers'] as const

/** The first property a request schema names, for the field of a validation example. */
function fieldOf (schema: Record<string, unknown>, rules: ResolvedOptions['fieldRules']): { field: string, location: string } | undefined {
  for (const key of validated) {
    const part = schema[key] as { properties?: Record<string, unknown> } | undefined
    if (part === undefined || part === null) continue
    const location = key === 'query' ? 'querystring' : key
    // A field with a rule of its own answers that rule's code, not the condition's.
    const names = Object.keys(part.properties ?? {}).filter(name => !Object.hasOwn(rules, name))
    return { field: names[0] ?? 'field', location }
  }
  return undefined
}

/** An Ajv error of each validation condition, as Fastify hands it to the error handler. */
function validationError (condition: Condition, field: string, location: string): unknown {
  const items: Record<string, object> = {
    'validation.required': { keyword: 'required', instancePath: '', params: { missingProperty: field }, message: `must have required property '${field}'` },
    'validation.type': { keyword: 'type', instancePath: `/${field}`, params: { type: 'string' }, message: 'must be string' },
    'validation.range': { keyword: 'maxLength', instancePath: `/${field}`, params: { limit: 64 }, message: 'must NOT have more than 64 characters' },
    'validation.format': { keyword: 'format', instancePath: `/${field}`, params: { format: 'date-time' }, message: 'must match format "date-time"' },
    'validation.enum': { keyword: 'enum', instancePath: `/${field}`, params: { allowedValues: ['a', 'b'] }, message: 'must be equal to one of the allowed values' },
    'validation.invalid': { keyword: 'not', instancePath: `/${field}`, params: {}, message: 'must NOT be valid' }
  }
  return Object.assign(new Error(`${location}/${field} is invalid`), { statusCode: 400, validation: [items[condition]], validationContext: location })
}

const conditionWords = {
  'validation.required': 'request validation: a required field is missing',
  'validation.type': 'request validation: a field has the wrong type',
  'validation.range': 'request validation: a value out of range or too long',
  'validation.format': 'request validation: a value of the wrong format',
  'validation.enum': 'request validation: a value not in the enum',
  'validation.invalid': 'request validation: any other rule',
  malformedBody: 'the body is not valid JSON',
  emptyBody: 'a JSON content type with an empty body',
  unsupportedMediaType: 'a content type the route does not parse',
  payloadTooLarge: 'the body is over the size limit',
  rateLimited: 'rate limited',
  quotaExceeded: 'quota exhausted',
  overloaded: 'the rate-limit store cannot be reached (onStoreError: closed)',
  maintenance: 'the API is under maintenance',
  internal: 'an unexpected error (its message hidden)'
} satisfies Partial<Record<Condition, string>>

/**
 * The conditions a route meets without declaring them, each with what raises it: request
 * validation when it has a request schema, the body conditions when it takes a body, the limits
 * when the rate limit applies to it, maintenance when the option is on, and the internal error.
 */
export function conditionCodes (route: RouteFacts, opts: ResolvedOptions): ListedCode[] {
  // Only conditions with words: each is described in the route's documentation.
  const raised: Array<[keyof typeof conditionWords, () => unknown]> = []
  const schema = route.schema ?? {}
  const field = fieldOf(schema, opts.fieldRules)
  if (field !== undefined) {
    for (const c of ['validation.required', 'validation.type', 'validation.range', 'validation.format', 'validation.enum', 'validation.invalid'] as const) {
      raised.push([c, () => validationError(c, field.field, field.location)])
    }
  }
  const ruled = ruledFields(schema, opts)
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  if (schema.body !== undefined || methods.some(m => bodyMethods.has(m.toUpperCase()))) {
    // What Fastify's own body parsing throws.
    raised.push(['malformedBody', () => new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY()])
    raised.push(['emptyBody', () => new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY()])
    raised.push(['unsupportedMediaType', () => new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE()])
    raised.push(['payloadTooLarge', () => new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE()])
  }
  const routeLimit = (route.config as { rateLimit?: { quota?: unknown } | false } | undefined)?.rateLimit
  if (opts.rateLimit !== undefined && routeLimit !== false) {
    raised.push(['rateLimited', () => new ConditionError('rateLimited', 60)])
    if (opts.rateLimit.quota !== undefined && routeLimit?.quota !== false) raised.push(['quotaExceeded', () => new ConditionError('quotaExceeded', 3600)])
    // A store that fails, answered closed: the limiter's 503 (in memory, the store cannot fail).
    if (opts.rateLimit.onStoreError === 'closed' && opts.rateLimit.options.redis !== undefined) raised.push(['overloaded', () => new ConditionError('overloaded', 1)])
  }
  const maintenance = opts.maintenance
  if (maintenance !== undefined) raised.push(['maintenance', () => new ConditionError('maintenance', maintenance.retryAfter)])
  raised.push(['internal', () => new Error('an unexpected failure')])

  const listed: ListedCode[] = []
  for (const [condition, thrown] of raised) {
    const target = opts.conditions[condition]
    // Several conditions of one preset may share a code (range and enum): the code is listed once per status.
    if (listed.some(l => l.code === target.code && l.status === target.status)) continue
    listed.push({ code: target.code, status: target.status, text: `${target.entry.message} (${conditionWords[condition]})`, thrown, condition: true })
  }
  // A field with a rule of its own (the preset's `fieldRules`, or `validation.fieldRules`) answers the rule's code.
  for (const rule of ruled) {
    // resolvePreset refuses a rule whose code the catalog does not have.
    const entry = opts.catalog.get(rule.code) as CatalogEntry
    if (listed.some(l => l.code === rule.code && l.status === entry.status)) continue
    listed.push({ code: rule.code, status: entry.status, text: `${entry.message} (request validation: ${rule.words})`, thrown: rule.thrown, condition: true })
  }
  return listed
}

/** Ajv's words for a keyword a field rule names, with the params the validation mapping reads. */
function ruleItem (keyword: string, name: string, property: Record<string, unknown>): object {
  const instancePath = `/${name}`
  const limit = property[keyword]
  switch (keyword) {
    case 'enum': return { keyword, instancePath, params: { allowedValues: valuesOfSchema(property) as unknown[] }, message: 'must be equal to one of the allowed values' }
    case 'maximum': return { keyword, instancePath, params: { comparison: '<=', limit }, message: `must be <= ${String(limit)}` }
    case 'minimum': return { keyword, instancePath, params: { comparison: '>=', limit }, message: `must be >= ${String(limit)}` }
    case 'const': return { keyword, instancePath, params: { allowedValue: limit }, message: 'must be equal to constant' }
    case 'maxLength': return { keyword, instancePath, params: { limit }, message: `must NOT have more than ${String(limit)} characters` }
    case 'minLength': return { keyword, instancePath, params: { limit }, message: `must NOT have fewer than ${String(limit)} characters` }
    case 'type': return { keyword, instancePath, params: { type: limit }, message: `must be ${String(limit)}` }
    default: return { keyword, instancePath, params: {}, message: `must pass "${keyword}" keyword validation` }
  }
}

// For a `*` rule, the keyword its example fails: the first the property has.
const starKeywords = ['enum', 'const', 'maximum', 'minimum', 'maxLength', 'minLength', 'type']

/**
 * The field rules a route's request schemas can meet: a property the rule names (by its name) that has
 * the rule's keyword in its schema; a `*` rule applies to any property it names. A union of literals is
 * an enum (TypeBox writes enums that way).
 */
function ruledFields (schema: Record<string, unknown>, opts: ResolvedOptions): Array<{ code: string, words: string, thrown: () => unknown }> {
  const found: Array<{ code: string, words: string, thrown: () => unknown }> = []
  for (const key of validated) {
    const properties = (schema[key] as { properties?: Record<string, unknown> } | undefined)?.properties
    if (typeof properties !== 'object' || properties === null) continue
    const location = key === 'query' ? 'querystring' : key
    for (const [name, property] of Object.entries(properties)) {
      const rules = Object.hasOwn(opts.fieldRules, name) ? opts.fieldRules[name] : undefined
      if (rules === undefined || typeof property !== 'object' || property === null) continue
      const prop = property as Record<string, unknown>
      // A union of literals (TypeBox's enum): an `enum` rule's example lists its values.
      const union = (Array.isArray(prop.anyOf) || Array.isArray(prop.oneOf)) && valuesOfSchema(prop) !== undefined
      for (const [keyword, code] of Object.entries(rules)) {
        if (!(keyword === '*' || Object.hasOwn(prop, keyword) || (keyword === 'enum' && union))) continue
        const shown = keyword !== '*' ? keyword : union ? 'enum' : starKeywords.find(k => Object.hasOwn(prop, k)) ?? 'not'
        const item = ruleItem(shown, name, prop)
        found.push({
          code,
          words: keyword === '*' ? `field '${name}' is invalid` : `field '${name}' fails ${keyword}`,
          thrown: () => Object.assign(new Error(`${location}/${name} is invalid`), { statusCode: 400, validation: [item], validationContext: location })
        })
      }
    }
  }
  return found
}

/** The body the route answers for a listed code, with the placeholders for request id and time. */
export function exampleBody (listed: ListedCode, route: RouteFacts, opts: ResolvedOptions, format: Format): unknown {
  // As the route is named: a route of several methods (or of none, which Fastify accepts) by the list.
  const method = Array.isArray(route.method) ? route.method.join(',') : route.method
  const { record } = toErrorAnswer(listed.thrown(), { requestId: exampleRequestId, instance: route.url, method }, opts)
  record.timestamp = exampleTimestamp
  return format.build(record)
}

/** A media type without its parameters: `application/json; charset=utf-8` → `application/json`. */
function mediaType (contentType: string): string {
  return (contentType.split(';')[0] as string).trim().toLowerCase()
}

export interface ResponseEntry {
  description: string
  headers: Record<string, { type: string, description: string }>
  content: Record<string, { schema: Record<string, unknown>, examples: Record<string, { summary: string, value: unknown }> }>
}

/**
 * A response entry per status of `listed`: a description that lists its codes with their
 * messages, the active format's schema by `$ref` (`{}` for a custom format), and one example per
 * code: the body the API answers for it. With `negotiate`, problem details are a second media type.
 */
export function responseEntries (listed: ListedCode[], route: RouteFacts, opts: ResolvedOptions): Map<number, ResponseEntry> {
  const media: Array<[Format, Record<string, unknown>]> = [[opts.format, opts.formatSchema === undefined ? {} : { $ref: `${opts.formatSchema.$id}#` }]]
  if (opts.negotiate !== undefined && mediaType(opts.format.contentType) !== mediaType(opts.negotiate.contentType)) {
    media.push([opts.negotiate, { $ref: `${ProblemDetailsSchema.$id}#` }])
  }
  const entries = new Map<number, ResponseEntry>()
  for (const code of [...listed].sort((a, b) => a.status - b.status)) {
    let entry = entries.get(code.status)
    if (entry === undefined) {
      entry = { description: '', headers: { [opts.requestIdHeader]: { type: 'string', description: 'The request id, the same as in the body' } }, content: {} }
      for (const [format, schema] of media) entry.content[mediaType(format.contentType)] = { schema, examples: {} }
      entries.set(code.status, entry)
    }
    entry.description += `${entry.description === '' ? '' : '\n'}- \`${code.code}\`: ${code.text}`
    if (code.code === opts.conditions.rateLimited.code || code.status === 503) {
      entry.headers['retry-after'] = { type: 'integer', description: 'Seconds to wait before trying again' }
    }
    for (const [format] of media) {
      const content = entry.content[mediaType(format.contentType)]
      if (content !== undefined) content.examples[code.code] = { summary: code.text, value: exampleBody(code, route, opts, format) }
    }
  }
  return entries
}
