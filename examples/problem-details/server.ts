import { buildApp, problemTypeBase } from './app.js'

const port = Number(process.env.PORT ?? 3003)
const host = process.env.HOST ?? '127.0.0.1'
const preset = process.env.PRESET === 'problem' ? 'problem' : 'aitbc'
const app = await buildApp({ preset, logger: { level: process.env.LOG_LEVEL ?? 'info' } })
const address = await app.listen({ port, host })

const problem = "-H 'accept: application/problem+json'"
console.log(`
Orders API (preset ${preset}, negotiate: true) on ${address}. Try:

  curl -i ${address}/v1/orders/ord-404                              # ${preset === 'aitbc' ? '404, the aitbc flat body' : '404 problem+json'}
  curl -i ${problem} ${address}/v1/orders/ord-404       # 404 problem+json, type ${problemTypeBase}order-not-found
  curl -i ${problem} -X POST ${address}/v1/orders/ord-1/cancel   # 409 problem+json, order-already-shipped
  curl -i ${problem} -H 'content-type: application/json' -d '{"sku":"abc","quantity":0}' ${address}/v1/orders   # 422 with errors[] and JSON pointers
`)
