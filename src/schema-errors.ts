import type { FastifyInstance, FastifySchemaValidationError } from 'fastify'
import { safeGet } from './safe.js'

/**
 * Fastify's schema error formatter, without the stack trace: the same message
 * (`body/prompt must be string, …`), made while `Error.stackTraceLimit` is 0.
 * Nobody reads the stack of a validation failure (the answer and the 4xx log
 * line are built from `validation`), and capturing it was a quarter of the
 * cost of a failed request. Fastify adds `statusCode`, `code`, `validation`
 * and `validationContext` to what this returns, as it does to its own.
 * Unlike Fastify's, it never throws on junk items (`null`) from a validator.
 */
export function stacklessSchemaErrorFormatter (errors: FastifySchemaValidationError[], dataVar: string): Error {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new Error(messageOf(errors, dataVar))
  } finally {
    Error.stackTraceLimit = limit
  }
}

function messageOf (errors: unknown, dataVar: string): string {
  try {
    let text = ''
    const list = errors as ArrayLike<unknown>
    for (let i = 0; i < list.length; i++) {
      const e = list[i]
      // Fastify's own words: `dataVar + (e.instancePath || '') + ' ' + e.message`.
      text += (i === 0 ? '' : ', ') + dataVar + String(safeGet(e, 'instancePath') || '') + ' ' + String(safeGet(e, 'message'))
    }
    return text
  } catch {
    // An item whose path or message cannot be turned into a string: the answer does not use this text.
    return `${dataVar} is invalid`
  }
}

const formatterKey = 'fastify.schemaErrorFormatter'

/** Whether the user gave `fastify` (or a parent context) a schema error formatter of their own. */
function hasOwnFormatter (fastify: FastifyInstance): boolean {
  for (let o: object | null = fastify; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const key = Object.getOwnPropertySymbols(o).find(s => s.description === formatterKey)
    if (key !== undefined) return (fastify as unknown as Record<symbol, unknown>)[key] != null
  }
  /* c8 ignore next -- Fastify 5 keeps the formatter under this symbol; a Fastify that does not: leave its formatter alone rather than replace a user's */
  return true
}

/**
 * Installs the stackless formatter on the plugin's context, unless the user
 * set one (the `schemaErrorFormatter` server option or `setSchemaErrorFormatter`
 * before registering): theirs is kept. A route's own `schemaErrorFormatter`
 * wins over both, as Fastify has it.
 */
export function installSchemaErrorFormatter (fastify: FastifyInstance): void {
  if (!hasOwnFormatter(fastify)) fastify.setSchemaErrorFormatter(stacklessSchemaErrorFormatter)
}
