import type { Condition } from './presets/index.js'
import { safeGet } from './safe.js'

const kCondition = Symbol.for('fastify-error-envelope.condition')

/** An error the plugin raises for one of the preset's conditions (a limit hit, maintenance). */
export class ConditionError extends Error {
  readonly condition: Condition
  readonly retryAfter: number | undefined
  readonly [kCondition] = true
  constructor (condition: Condition, retryAfter?: number) {
    // An expected answer (a limit hit, maintenance): its stack would never be read, and capturing it is most of its cost.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(condition)
    } finally {
      Error.stackTraceLimit = limit
    }
    this.name = 'ConditionError'
    this.condition = condition
    this.retryAfter = retryAfter
  }
}

/** The ConditionError `thrown` is, also from another copy of this package. */
export function conditionOf (thrown: unknown): ConditionError | undefined {
  return safeGet(thrown, kCondition) === true ? thrown as ConditionError : undefined
}
