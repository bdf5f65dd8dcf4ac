import type { Condition, FieldRules } from './presets/index.js'
import type { ResolvedCondition } from './options.js'
import type { Violation } from './record.js'
import { safeGet, safeString } from './safe.js'

const keywordConditions: Record<string, Condition> = {
  required: 'validation.required',
  dependentRequired: 'validation.required',
  dependencies: 'validation.required',
  type: 'validation.type',
  minimum: 'validation.range',
  maximum: 'validation.range',
  exclusiveMinimum: 'validation.range',
  exclusiveMaximum: 'validation.range',
  multipleOf: 'validation.range',
  minLength: 'validation.range',
  maxLength: 'validation.range',
  minItems: 'validation.range',
  maxItems: 'validation.range',
  minProperties: 'validation.range',
  maxProperties: 'validation.range',
  format: 'validation.format',
  pattern: 'validation.format',
  enum: 'validation.enum',
  const: 'validation.enum',
  // Zod issue codes, for type providers that hand Fastify a ZodError.
  invalid_type: 'validation.type',
  too_small: 'validation.range',
  too_big: 'validation.range',
  invalid_string: 'validation.format',
  invalid_format: 'validation.format',
  invalid_enum_value: 'validation.enum',
  invalid_value: 'validation.enum',
  invalid_literal: 'validation.enum'
}

/** `'/items/0/name'` or `['items', 0, 'name']` → `'items.0.name'`; empty for the whole value. */
function fieldOf (path: unknown): string | undefined {
  let segments: string[]
  if (typeof path === 'string') {
    segments = path.split('/').filter(s => s.length > 0).map(s => s.replaceAll('~1', '/').replaceAll('~0', '~'))
  } else if (Array.isArray(path)) {
    segments = path.filter(s => typeof s === 'string' || typeof s === 'number').map(String)
  } else {
    return undefined
  }
  return segments.length === 0 ? undefined : safeString(segments.join('.'), 256)
}

function ruleFor (rules: FieldRules, field: string | undefined, keyword: string | undefined): string | undefined {
  if (field === undefined) return undefined
  const byField = Object.hasOwn(rules, field) ? rules[field] : rules[field.slice(field.lastIndexOf('.') + 1)]
  if (byField === undefined) return undefined
  return (keyword !== undefined && Object.hasOwn(byField, keyword) ? byField[keyword] : undefined) ?? byField['*']
}

export interface ValidationContext {
  conditions: Record<Condition, ResolvedCondition>
  fieldRules: FieldRules
  hasCode: (code: string) => boolean
}

/**
 * Every violation of a failed request validation, each with the client's
 * field name and a code of the active preset. Accepts Ajv errors, TypeBox
 * compiler errors, Zod issues, or anything else a validator returns.
 */
export function violationsOf (items: unknown, location: string | undefined, ctx: ValidationContext): Violation[] {
  const list = Array.isArray(items) ? items.slice(0, 100) : []
  const violations: Violation[] = []
  for (const item of list) {
    let keyword = safeString(safeGet(item, 'keyword'), 64)
    const zodCode = keyword === undefined ? safeString(safeGet(item, 'code'), 64) : undefined
    const rawMessage = safeString(safeGet(item, 'message'), 512)
    let field: string | undefined
    if (keyword === 'required') {
      const parent = fieldOf(safeGet(item, 'instancePath'))
      const missing = safeString(safeGet(safeGet(item, 'params'), 'missingProperty'), 256)
      field = missing === undefined ? parent : parent === undefined ? missing : `${parent}.${missing}`
    } else {
      field = fieldOf(safeGet(item, 'instancePath') ?? safeGet(item, 'path'))
    }
    if (zodCode === 'invalid_type' && safeGet(item, 'received') === 'undefined') keyword = 'required'
    const kind = keyword ?? zodCode
    const condition = (kind !== undefined && Object.hasOwn(keywordConditions, kind)
      ? keywordConditions[kind]
      : undefined) ?? 'validation.invalid'
    const ruled = ruleFor(ctx.fieldRules, field, keyword)
    const code = ruled !== undefined && ctx.hasCode(ruled) ? ruled : ctx.conditions[condition].code
    const violation: Violation = { code, message: messageOf(condition, field, location, rawMessage, keyword !== undefined) }
    if (field !== undefined) violation.field = field
    if (location !== undefined) violation.location = location
    if (kind !== undefined) violation.keyword = kind
    violations.push(violation)
  }
  if (violations.length === 0) {
    // A validator that said "invalid" without saying why still gets a violation to show.
    const violation: Violation = { code: ctx.conditions['validation.invalid'].code, message: `${capitalize(location ?? 'request')} is invalid` }
    if (location !== undefined) violation.location = location
    violations.push(violation)
  }
  return violations
}

function messageOf (condition: Condition, field: string | undefined, location: string | undefined, message: string | undefined, fromAjv: boolean): string {
  if (field === undefined) return `${capitalize(location ?? 'request')} ${message ?? 'is invalid'}`
  if (condition === 'validation.required') return `Field '${field}' is required`
  if (message === undefined) return `Field '${field}' is invalid`
  // Ajv phrases its messages to follow a subject ("must be string"); others write whole sentences.
  return fromAjv ? `Field '${field}' ${message}` : `Field '${field}': ${message}`
}

function capitalize (text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
