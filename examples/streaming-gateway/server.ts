import { buildApp } from './app.js'

const port = Number(process.env.PORT ?? 3005)
const host = process.env.HOST ?? '127.0.0.1'
const preset = process.env.PRESET === 'genai' || process.env.PRESET === 'sessions' ? process.env.PRESET : 'tokenbay'
const app = await buildApp({ preset, logger: { level: process.env.LOG_LEVEL ?? 'info' } })
const address = await app.listen({ port, host })

console.log(`
Streaming gateway (${preset}) on ${address}. Try:

  OPENAI_BASE_URL=${address}/v1 npx tsx examples/streaming-gateway/client.ts

or with curl (-N: print events as they come):

  curl -N -H 'content-type: application/json' -d '{"model":"m","stream":true,"messages":[{"role":"user","content":"fail"}]}' ${address}/v1/chat/completions
  curl -N ${address}/v1/events
`)
