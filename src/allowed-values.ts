import { safeGet } from './safe.js'

// Enough to read; a schema with more values than this is named by its first ones.
const maxValues = 20
const maxValueLength = 64

/** A schema's allowed values as a client should read them: strings in quotes, the rest as JSON. */
function show (value: unknown): string {
  let text: string
  if (typeof value === 'string') {
    text = `'${value}'`
  } else {
    try {
      text = JSON.stringify(value) ?? String(value)
    } catch {
      text = String(value)
    }
  }
  return text.length > maxValueLength ? `${text.slice(0, maxValueLength - 1)}…` : text
}

/** `must be one of 'a', 'b'`, or `must be equal to 'a'` for a single value. */
export function allowedPhrase (values: readonly unknown[]): string {
  if (values.length === 1) return `must be equal to ${show(values[0])}`
  const shown = values.slice(0, maxValues).map(show).join(', ')
  return `must be one of ${shown}${values.length > maxValues ? ', …' : ''}`
}

/** The values a list of JSON Schema branches allows, when every branch is a `const` or an `enum`. */
function valuesOfBranches (branches: unknown): unknown[] | undefined {
  if (!Array.isArray(branches) || branches.length === 0) return undefined
  const values: unknown[] = []
  for (const branch of branches.slice(0, 1000)) {
    const listed = valuesOfSchema(branch)
    if (listed === undefined) return undefined
    values.push(...listed)
  }
  return values
}

/** The values a schema allows, when it lists them: a `const`, an `enum`, or a union whose every branch does. */
export function valuesOfSchema (schema: unknown): unknown[] | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined
  if (Object.hasOwn(schema, 'const')) return [safeGet(schema, 'const')]
  const listed = safeGet(schema, 'enum')
  if (Array.isArray(listed)) return listed
  return valuesOfBranches(safeGet(schema, 'anyOf') ?? safeGet(schema, 'oneOf'))
}

/**
 * The values a violation says a field must take, when it says so: Ajv's `enum` (`allowedValues`)
 * and `const` (`allowedValue`), and the TypeBox compiler's union error, whose `schema` is an
 * `anyOf` of literals (`Type.Union([Type.Literal('a'), …])`, `Type.Enum`).
 */
export function allowedValues (item: unknown, keyword: string | undefined): unknown[] | undefined {
  const params = safeGet(item, 'params')
  if (keyword === 'enum') {
    const listed = safeGet(params, 'allowedValues')
    return Array.isArray(listed) ? listed : undefined
  }
  if (keyword === 'const') {
    return typeof params === 'object' && params !== null && Object.hasOwn(params, 'allowedValue') ? [safeGet(params, 'allowedValue')] : undefined
  }
  if (keyword === undefined) {
    const schema = safeGet(item, 'schema')
    return valuesOfBranches(safeGet(schema, 'anyOf') ?? safeGet(schema, 'oneOf'))
  }
  return undefined
}

function pathOf (item: unknown, key: string): string | undefined {
  const value = safeGet(item, key)
  return typeof value === 'string' ? value : undefined
}

/**
 * Ajv reports a value outside a union of literals (`Type.Union([Type.Literal('a'), Type.Literal('b')])`,
 * `anyOf: [{ const }, …]`) as one `const` error per branch and then the `anyOf` itself. Each such
 * group becomes one `enum` error that lists every value the branches allow, so the client reads
 * "must be one of 'a', 'b'" once instead of "must be equal to constant" per branch. A union whose
 * branches failed on anything else (a type, a pattern) is left as Ajv said it.
 */
export function collapseUnions (items: readonly unknown[]): unknown[] {
  const out: unknown[] = []
  for (const item of items) {
    const keyword = safeGet(item, 'keyword')
    const schemaPath = pathOf(item, 'schemaPath')
    const instancePath = pathOf(item, 'instancePath')
    if ((keyword === 'anyOf' || keyword === 'oneOf') && schemaPath !== undefined && instancePath !== undefined) {
      // The branches' errors come right before the union's own, their schema paths below it.
      let start = out.length
      while (start > 0 && pathOf(out[start - 1], 'schemaPath')?.startsWith(`${schemaPath}/`) === true) start--
      const branches = out.slice(start)
      const values: unknown[] = []
      const literal = branches.length > 0 && branches.every(branch => {
        if (pathOf(branch, 'instancePath') !== instancePath) return false
        const kind = safeGet(branch, 'keyword')
        const listed = kind === 'enum' || kind === 'const' ? allowedValues(branch, kind) : undefined
        if (listed !== undefined) values.push(...listed)
        return listed !== undefined
      })
      if (literal) {
        out.length = start
        out.push({ keyword: 'enum', instancePath, schemaPath, params: { allowedValues: [...new Set(values)] }, message: 'must be equal to one of the allowed values' })
        continue
      }
    }
    out.push(item)
  }
  return out
}
