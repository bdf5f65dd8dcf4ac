import type { FastifyInstance } from 'fastify'
import { ConditionError } from './normalize.js'

/** The maintenance switch: a hook that answers the preset's maintenance 503 while it is on, and `setMaintenance` to flip it. */
export function registerMaintenance (fastify: FastifyInstance, maintenance: { enabled: boolean, retryAfter: number }): void {
  fastify.decorate('setMaintenance', function setMaintenance (enabled: boolean, retryAfter?: number) {
    maintenance.enabled = enabled
    if (retryAfter !== undefined) maintenance.retryAfter = retryAfter
  })
  fastify.addHook('onRequest', async function maintenanceHook () {
    if (maintenance.enabled) throw new ConditionError('maintenance', maintenance.retryAfter)
  })
}
