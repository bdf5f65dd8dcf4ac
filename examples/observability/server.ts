import { buildApp } from './app.js'

const port = Number(process.env.PORT ?? 3004)
const host = process.env.HOST ?? '127.0.0.1'
const app = await buildApp({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
const address = await app.listen({ port, host })

console.log(`
Items API with OpenTelemetry on ${address}. Try:

  curl -i ${address}/v1/items/42            # 404 ITEM_NOT_FOUND
  curl -i ${address}/v1/items/boom          # 500, ERROR span with its exception
  curl -i -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' ${address}/v1/items/7   # request_id = the trace id
  curl -s ${address}/metrics | grep fastify_error_envelope   # error answers by code, status and route
`)
