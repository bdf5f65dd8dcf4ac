import type { FastifyInstance } from 'fastify'
import { describe, isPlainObject, checkKeys } from './option-error.js'
import { ConditionError } from './condition-error.js'

/** The maintenance switch as the handlers read it. */
export interface MaintenanceState {
  enabled: boolean
  /** Whole seconds, at least 1: sent as `Retry-After` and `retry_after`. */
  retryAfter: number
}

const maintenanceKeys = new Set(['enabled', 'retryAfter'])
const defaultRetryAfter = 300

// `what` names the value as the caller wrote it: "option 'maintenance.retryAfter'" or "setMaintenance() argument 'retryAfter'".
function valueError (what: string, expected: string, value: unknown): TypeError {
  return new TypeError(`fastify-error-envelope: ${what} expects ${expected}, instead got ${describe(value)}`)
}

function checkEnabled (value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw valueError(what, 'a boolean', value)
  return value
}

// A safe integer, so that the header's digits are the number's: 2 ** 60 would be sent rounded.
function checkRetryAfter (value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw valueError(what, 'whole seconds, at least 1', value)
  }
  return value
}

/**
 * Checks the `maintenance` option: `{ enabled?, retryAfter? }`, nothing else.
 * The same checks guard `setMaintenance()`, so a value that fails register fails there too.
 */
export function normalizeMaintenance (raw: unknown): MaintenanceState | undefined {
  if (raw === undefined) return undefined
  if (!isPlainObject(raw)) throw valueError("option 'maintenance'", '{ enabled?, retryAfter? }', raw)
  checkKeys(raw, maintenanceKeys, 'maintenance.')
  const { enabled, retryAfter } = raw
  return {
    enabled: enabled === undefined ? false : checkEnabled(enabled, "option 'maintenance.enabled'"),
    retryAfter: retryAfter === undefined ? defaultRetryAfter : checkRetryAfter(retryAfter, "option 'maintenance.retryAfter'")
  }
}

/**
 * The maintenance switch: a hook that answers the preset's maintenance 503 while it is on, and `setMaintenance` to flip it.
 * Without the option `setMaintenance` is there too, as its type says, and throws a TypeError that names the option.
 */
export function registerMaintenance (fastify: FastifyInstance, maintenance: MaintenanceState | undefined): void {
  if (maintenance === undefined) {
    // An outer registration's switch stays reachable from a child context registered without the option.
    if (fastify.hasDecorator('setMaintenance')) return
    fastify.decorate('setMaintenance', function setMaintenance () {
      throw new TypeError("fastify-error-envelope: setMaintenance() needs the 'maintenance' option: register the plugin with { maintenance: { enabled: false } } to switch maintenance on and off")
    })
    return
  }
  fastify.decorate('setMaintenance', function setMaintenance (enabled: boolean, retryAfter?: number) {
    // Both are checked before either changes: a refused call leaves the switch as it was.
    const on = checkEnabled(enabled, "setMaintenance() argument 'enabled'")
    const seconds = retryAfter === undefined ? maintenance.retryAfter : checkRetryAfter(retryAfter, "setMaintenance() argument 'retryAfter'")
    maintenance.enabled = on
    maintenance.retryAfter = seconds
  })
  fastify.addHook('onRequest', async function maintenanceHook () {
    if (maintenance.enabled) throw new ConditionError('maintenance', maintenance.retryAfter)
  })
}
