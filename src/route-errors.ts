import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import type { ErrorAnswer } from './answer.js'
import { conditionOf } from './condition-error.js'
import { isApiError, type ErrorCode } from './errors.js'
import { ProblemDetailsSchema } from './formats/index.js'
import { closest, describe, optionError } from './option-error.js'
import type { ResolvedOptions } from './options.js'
import { errorRecord } from './record.js'
import { conditionCodes, declaredCode, responseEntries, type ListedCode, type RouteFacts } from './route-errors-openapi.js'
import { safeGet } from './safe.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The errors this route answers with: codes of the active catalog, or its factories
     * (`['JOB_NOT_FOUND', errors.JOB_EXPIRED]`). The plugin writes the route's error responses
     * from them (for `@fastify/swagger`), and the `undeclared` option checks that the route
     * answers no other. A code the catalog does not know fails the route's registration.
     */
    errors?: readonly DeclaredError[]
  }
}

/** One entry of a route's `config.errors`: a code, or a factory (anything with the code as `code`). */
export type DeclaredError = ErrorCode | { readonly code: ErrorCode, readonly status: number }

/** What the plugin keeps of a route that declares its errors, in its config, for the error path. */
interface RouteErrors {
  route: string
  /** Its declared codes and the codes of the conditions it can meet. */
  allowed: ReadonlySet<string>
  /** The undeclared codes it has been warned of (once per route and code). */
  warned: Set<string>
}

const kRouteErrors = Symbol('fastify-error-envelope.routeErrors')
// A route that answers ever new codes (an explicit status with a computed code) must not grow the set without bound.
const maxWarned = 100

function routeName (route: Pick<RouteOptions, 'method' | 'url'>): string {
  return `${Array.isArray(route.method) ? route.method.join(',') : String(route.method)} ${route.url}`
}

/** The value of a JSON schema as text, to tell a schema added by the app from the plugin's own. */
function same (a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Adds `schema` to `instance` unless it is there already; refuses a different schema under its `$id`,
 * which the route's `$ref` would point at.
 */
function ensureSchema (instance: FastifyInstance, schema: { $id?: string }, route: string): void {
  const id = schema.$id as string
  const existing: unknown = instance.getSchema(id)
  if (existing === undefined) {
    instance.addSchema(schema)
  } else if (!same(existing, schema)) {
    throw new TypeError(`fastify-error-envelope: route ${route} declares its errors, whose responses refer to the schema '${id}', but the app added another schema with that $id; give yours another $id`)
  }
}

/**
 * Validation failures, the plugin's own conditions, Fastify's errors and a limiter's refusals: met
 * by any route, never declared. A limiter in front of the route (an app's own `@fastify/rate-limit`,
 * `@fastify/under-pressure`) refuses with a 429 or 503 error of its own, not an ApiError.
 */
function isCondition (thrown: unknown): boolean {
  /* c8 ignore next -- the plugin's own conditions are listed for every route that can meet them; kept so that one a listing misses is never refused */
  if (conditionOf(thrown) !== undefined) return true
  const status = safeGet(thrown, 'statusCode')
  if ((status === 429 || status === 503) && !isApiError(thrown)) return true
  if (safeGet(thrown, 'validationContext') !== undefined || Array.isArray(safeGet(thrown, 'validation'))) return true
  const code = safeGet(thrown, 'code')
  return (typeof code === 'string' && code.startsWith('FST_')) || (safeGet(thrown, 'name') === 'SyntaxError' && status === 400)
}

export interface RouteErrorsRegistration {
  /** Code → the routes that declare it (`GET /v1/jobs/:id`), in registration order. */
  routesByCode: ReadonlyMap<string, readonly string[]>
  /** The error path's check of undeclared codes; undefined when `undeclared` is off. */
  check: ((request: FastifyRequest, thrown: unknown, answer: ErrorAnswer) => ErrorAnswer) | undefined
}

/**
 * Reads `config.errors` of every route registered after the plugin (an `onRoute` hook, which runs
 * before Fastify and `@fastify/swagger` read the route's schema): refuses a code the active catalog
 * does not know, writes the route's error responses, and keeps its codes for the `undeclared` check.
 * A route registered before the plugin is refused at `ready` by the route-order check.
 */
export function registerRouteErrors (fastify: FastifyInstance, opts: ResolvedOptions): RouteErrorsRegistration {
  const routesByCode = new Map<string, string[]>()
  let known: Set<string> | undefined
  // Until a route declares its errors, the check costs an app nothing but this flag.
  let anyDeclared = false

  function resolveDeclared (item: unknown, route: string): ListedCode {
    const code = typeof item === 'string' ? item : typeof item === 'function' || (typeof item === 'object' && item !== null) ? safeGet(item, 'code') : undefined
    if (typeof code !== 'string') {
      throw new TypeError(`fastify-error-envelope: option 'config.errors' of route ${route} expects error codes or their factories, instead got ${describe(item)}`)
    }
    const entry = opts.catalog.get(code)
    if (entry === undefined) {
      known ??= new Set(opts.catalog.keys())
      const close = closest(code, known)
      const hint = close === undefined ? ": add it to the plugin's errors option, or use a code of the preset" : `, did you mean '${close}'?`
      throw new TypeError(`fastify-error-envelope: route ${route} declares error code '${code}' in config.errors, which the active catalog does not know${hint}`)
    }
    return declaredCode(code, entry)
  }

  fastify.addHook('onRoute', function declareRouteErrors (this: FastifyInstance, route) {
    const declared: unknown = route.config?.errors
    if (declared === undefined) return
    const name = routeName(route)
    if (!Array.isArray(declared)) throw optionError('config.errors', 'an array of error codes or factories', declared, name)
    const listed: ListedCode[] = []
    for (const item of declared as unknown[]) {
      const code = resolveDeclared(item, name)
      if (!listed.some(l => l.code === code.code)) listed.push(code)
    }
    const facts: RouteFacts = { method: route.method, url: route.url, schema: route.schema as Record<string, unknown> | undefined, config: route.config as Record<string, unknown> | undefined }
    const conditions = conditionCodes(facts, opts).filter(c => !listed.some(l => l.code === c.code && l.status === c.status))
    const info: RouteErrors = { route: name, allowed: new Set([...listed, ...conditions].map(c => c.code)), warned: new Set() }
    route.config = { ...route.config, [kRouteErrors]: info } as typeof route.config
    anyDeclared = true
    // The HEAD route Fastify adds for a GET is the same route to a reader.
    if (route.method !== 'HEAD') {
      for (const { code } of listed) {
        const routes = routesByCode.get(code) ?? []
        if (!routes.includes(name)) routes.push(name)
        routesByCode.set(code, routes)
      }
    }
    writeResponses(this, route, facts, listed, opts.documentConditions ? conditions : [])
  })

  /**
   * Writes the route's error responses into a copy of its schema (one object may serve several
   * routes). A status the route's own schema documents stays the route's: a declared code on it is
   * refused, a condition on it left to the route's own description.
   */
  function writeResponses (instance: FastifyInstance, route: RouteOptions, facts: RouteFacts, listed: ListedCode[], conditions: ListedCode[]): void {
    const name = routeName(route)
    const own = (route.schema?.response ?? {}) as Record<string, unknown>
    for (const code of listed) {
      if (Object.hasOwn(own, String(code.status))) {
        throw new TypeError(`fastify-error-envelope: route ${name} declares '${code.code}' (${code.status}) in config.errors, and its schema.response already has ${code.status}; remove the hand-written ${code.status} response: the plugin writes it from the declared codes`)
      }
    }
    const entries = responseEntries([...listed, ...conditions].filter(c => !Object.hasOwn(own, String(c.status))), facts, opts)
    if (entries.size === 0) return
    for (const schema of [opts.formatSchema, opts.negotiate === undefined ? undefined : ProblemDetailsSchema]) {
      if (schema === undefined) continue
      // Added to the plugin's context, Fastify adds it to every context inside it, the route's included.
      ensureSchema(fastify, schema, name)
      if (instance !== fastify) ensureSchema(instance, schema, name)
    }
    const response: Record<string, unknown> = { ...own }
    for (const [status, entry] of entries) response[String(status)] = entry
    const schema = { ...route.schema, response } as Record<string, unknown>
    if (listed.length > 0) {
      const line = `Errors: ${listed.map(c => `\`${c.code}\` (${c.status})`).join(', ')}.`
      schema.description = typeof schema.description === 'string' && schema.description !== '' ? `${schema.description}\n\n${line}` : line
    }
    route.schema = schema
  }

  if (opts.undeclared === 'off') return { routesByCode, check: undefined }
  const internal = opts.conditions.internal
  const throwing = opts.undeclared === 'throw'

  function check (request: FastifyRequest, thrown: unknown, answer: ErrorAnswer): ErrorAnswer {
    if (!anyDeclared) return answer
    const info = (request.routeOptions.config as unknown as Record<symbol, RouteErrors | undefined>)[kRouteErrors]
    if (info === undefined || info.allowed.has(answer.record.code) || isCondition(thrown)) return answer
    const { code, requestId, instance } = answer.record
    const why = `route ${info.route} answered '${code}', which its config.errors does not declare`
    if (throwing) {
      return { record: errorRecord(internal, internal.entry.message, { requestId, instance }, opts), headers: [], bug: `${why} (option undeclared: 'throw'); declare it, or answer a declared code` }
    }
    if (!info.warned.has(code) && info.warned.size < maxWarned) {
      info.warned.add(code)
      request.log.warn({ route: info.route, error_code: code }, `fastify-error-envelope: ${why}; declare it so that its documentation lists it (logged once per route and code)`)
    }
    return answer
  }
  return { routesByCode, check }
}
