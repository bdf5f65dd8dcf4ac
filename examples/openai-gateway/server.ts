import { buildApp } from './app.js'

const port = Number(process.env.PORT ?? 3002)
const host = process.env.HOST ?? '127.0.0.1'
const app = await buildApp({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
const address = await app.listen({ port, host })

console.log(`
OpenAI-compatible gateway on ${address}. Call it with the openai SDK:

  OPENAI_BASE_URL=${address}/v1 npx tsx examples/openai-gateway/client.ts

or with curl:

  curl -i -H 'authorization: Bearer sk-disabled' -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}' ${address}/v1/chat/completions
  curl -i -H 'authorization: Bearer sk-demo' -H 'content-type: application/json' -d '{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}' ${address}/v1/chat/completions
`)
