import type { Condition, FieldRules } from './presets/index.js'
import type { ResolvedCondition } from './presets/resolve.js'
import type { Violation } from './record.js'
import { safeGet, safeString } from './safe.js'
import { allowedPhrase, allowedValues, collapseUnions } from './allowed-values.js'

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
  const exact = keyword !== undefined && Object.hasOwn(byField, keyword) ? byField[keyword] : undefined
  // `*` is for what is wrong with a value; a field that is absent keeps the missing-field code.
  return exact ?? (keyword === 'required' ? undefined : byField['*'])
}

export interface ValidationContext {
  conditions: Record<Condition, ResolvedCondition>
  fieldRules: FieldRules
  hasCode: (code: string) => boolean
}

/**
 * Every violation of a failed request validation, each with the client's
 * field name and a code of the active preset. Accepts Ajv errors, TypeBox
 * compiler errors, Zod issues, or anything else a validator returns. `reason`: what a
 * validator that gave no list said instead (the message of the Error it returned).
 */
export function violationsOf (items: unknown, location: string | undefined, ctx: ValidationContext, reason?: string): Violation[] {
  const list = Array.isArray(items) ? collapseUnions(items.slice(0, 100)) : []
  const violations: Violation[] = []
  for (const item of list) {
    const keyword = safeString(safeGet(item, 'keyword'), 64)
    const params = safeGet(item, 'params')
    const path = fieldOf(safeGet(item, 'instancePath') ?? safeGet(item, 'path'))
    if (keyword === 'required') {
      // Ajv names one missing property; TypeBox's compiler lists them all.
      const listed = safeGet(params, 'requiredProperties')
      const names = Array.isArray(listed) ? listed : [safeGet(params, 'missingProperty')]
      for (const name of names.slice(0, 100)) {
        const missing = safeString(name, 256)
        violations.push(violationOf(item, 'required', missing === undefined ? path : join(path, missing), location, ctx))
      }
    } else if (keyword === 'additionalProperties') {
      const extra = safeString(safeGet(params, 'additionalProperty'), 256)
      violations.push(violationOf(item, keyword, extra === undefined ? path : join(path, extra), location, ctx))
    } else {
      violations.push(violationOf(item, keyword, path, location, ctx))
    }
  }
  if (violations.length === 0) {
    // A validator that said "invalid" without a list still gets a violation to show, with its own words if it gave some.
    const part = capitalize(location ?? 'request')
    const violation: Violation = { code: ctx.conditions['validation.invalid'].code, message: reason === undefined ? `${part} is invalid` : `${part}: ${reason}` }
    if (location !== undefined) violation.location = location
    violations.push(violation)
  }
  return violations
}

function join (parent: string | undefined, name: string): string {
  return parent === undefined ? name : `${parent}.${name}`
}

/** The Ajv keyword a Zod issue stands for, so that field rules written for Ajv apply to Zod too. */
function zodKeyword (code: string | undefined, item: unknown): string | undefined {
  const kind = safeGet(item, 'type') ?? safeGet(item, 'origin')
  switch (code) {
    case 'too_big': return kind === 'string' ? 'maxLength' : kind === 'array' ? 'maxItems' : 'maximum'
    case 'too_small': return kind === 'string' ? 'minLength' : kind === 'array' ? 'minItems' : 'minimum'
    case 'invalid_enum_value': case 'invalid_value': return 'enum'
    case 'invalid_literal': return 'const'
    case 'invalid_type': return safeGet(item, 'received') === 'undefined' ? 'required' : 'type'
    default: return undefined
  }
}

function violationOf (item: unknown, ajvKeyword: string | undefined, field: string | undefined, location: string | undefined, ctx: ValidationContext): Violation {
  const zodCode = ajvKeyword === undefined ? safeString(safeGet(item, 'code'), 64) : undefined
  // The TypeBox compiler's union of literals says only "Expected union value": its schema lists the values.
  const allowed = allowedValues(item, ajvKeyword ?? zodKeyword(zodCode, item))
  const keyword = ajvKeyword ?? zodKeyword(zodCode, item) ?? (allowed === undefined ? undefined : 'enum')
  const kind = keyword ?? zodCode
  const condition = (kind !== undefined && Object.hasOwn(keywordConditions, kind) ? keywordConditions[kind] : undefined) ?? 'validation.invalid'
  const ruled = ruleFor(ctx.fieldRules, field, keyword)
  const code = ruled !== undefined && ctx.hasCode(ruled) ? ruled : ctx.conditions[condition].code
  // A value outside a list is answered with the list: "must be one of 'a', 'b'".
  const rawMessage = allowed === undefined ? safeString(safeGet(item, 'message'), 512) : allowedPhrase(allowed)
  const violation: Violation = { code, message: messageOf(condition, field, location, rawMessage, ajvKeyword !== undefined || allowed !== undefined) }
  if (field !== undefined) violation.field = field
  if (location !== undefined) violation.location = location
  if (kind !== undefined) violation.keyword = kind
  return violation
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
