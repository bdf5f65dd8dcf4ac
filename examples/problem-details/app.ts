import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
// In your project: from 'fastify-error-envelope'
import errorEnvelope, { clientErrorHandler, defineErrors, requestIdOptions } from '../../src/index.js'

/** Where the problem types live: `type` is this + the code in lower-kebab case. */
export const problemTypeBase = 'https://api.example.com/problems/'

// The app's own codes, merged over whichever preset it runs on; `title` is the problem's title.
const errors = defineErrors({
  ORDER_NOT_FOUND: { status: 404, message: 'Order {order_id} not found', title: 'Order not found', category: 'Order', retryable: false },
  ORDER_ALREADY_SHIPPED: { status: 409, message: 'Order {order_id} has shipped and can no longer be cancelled', title: 'Order already shipped', category: 'Order', retryable: false }
})

interface Order {
  id: string
  sku: string
  quantity: number
  status: 'placed' | 'shipped' | 'cancelled'
}

const orderBody = {
  body: {
    type: 'object',
    required: ['sku', 'quantity'],
    additionalProperties: false,
    properties: {
      sku: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{3}$' },
      quantity: { type: 'integer', minimum: 1, maximum: 100 }
    }
  }
} as const

export interface AppOptions {
  /**
   * `'aitbc'` (default): AITBC's flat JSON body, and RFC 9457 problem details to a
   * client whose `Accept` asks for `application/problem+json`. `'problem'`:
   * problem details to every client.
   */
  preset?: 'aitbc' | 'problem'
  logger?: FastifyServerOptions['logger']
}

/** An orders API whose errors are RFC 9457 problem details, always or by content negotiation. */
export async function buildApp (opts: AppOptions = {}): Promise<FastifyInstance> {
  // allErrors: a validation problem lists every violation in `errors`, each with a JSON pointer.
  const app = Fastify({ ...requestIdOptions(), clientErrorHandler, logger: opts.logger ?? false, ajv: { customOptions: { allErrors: true } } })
  await app.register(errorEnvelope, { preset: opts.preset ?? 'aitbc', errors, problemTypeBase, negotiate: true })

  const orders = new Map<string, Order>([['ord-1', { id: 'ord-1', sku: 'ABC-123', quantity: 1, status: 'shipped' }]])
  let next = 2

  function find (id: string): Order {
    const order = orders.get(id)
    if (order === undefined) throw errors.ORDER_NOT_FOUND({ order_id: id })
    return order
  }

  app.post<{ Body: { sku: string, quantity: number } }>('/v1/orders', { schema: orderBody }, async (request, reply) => {
    const order: Order = { id: `ord-${next++}`, ...request.body, status: 'placed' }
    orders.set(order.id, order)
    return reply.code(201).send(order)
  })

  app.get<{ Params: { id: string } }>('/v1/orders/:id', async (request) => find(request.params.id))

  app.post<{ Params: { id: string } }>('/v1/orders/:id/cancel', async (request) => {
    const order = find(request.params.id)
    if (order.status === 'shipped') throw errors.ORDER_ALREADY_SHIPPED({ order_id: order.id })
    order.status = 'cancelled'
    return order
  })

  return app
}
