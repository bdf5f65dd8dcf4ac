import { fileURLToPath } from 'node:url'
import OpenAI from 'openai'
// In your project: from 'fastify-error-envelope/client'
import { ApiClientError, readStream } from '../../src/client.js'

/** Streams a completion with the official SDK: the text received, then the SDK's error, if any. */
async function complete (client: OpenAI, prompt: string): Promise<string> {
  let text = ''
  try {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: prompt }] })
    for await (const part of stream) text += part.choices[0]?.delta.content ?? ''
    return `${JSON.stringify(text)}, done`
  } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err
    return `${JSON.stringify(text)}, then ${err.constructor.name} status=${String(err.status)} code=${String(err.code)} type=${String(err.type)} message=${JSON.stringify(err.message)} requestID=${String(err.requestID)}`
  }
}

/** Reads the `@fastify/sse` route with `fastify-error-envelope/client`: its events, then the ApiClientError. */
async function events (origin: string): Promise<string> {
  const seen: string[] = []
  try {
    for await (const message of readStream(await fetch(`${origin}/v1/events`))) seen.push(message.data)
    return `${seen.join(' ')}, done`
  } catch (err) {
    if (!(err instanceof ApiClientError)) throw err
    return `${seen.join(' ')}, then ApiClientError status=${err.status} code=${err.code} retry=${err.retry} message=${JSON.stringify(err.message)}`
  }
}

/**
 * Calls the gateway at `baseURL` (up to and including `/v1`) and returns one line per call:
 * a completion that ends, fails mid-stream, is rate limited mid-stream, is refused before
 * the first chunk, and the `@fastify/sse` route.
 */
export async function run (baseURL: string): Promise<string[]> {
  const client = new OpenAI({ apiKey: 'sk-demo', baseURL, maxRetries: 0 })
  const lines: string[] = []
  for (const prompt of ['hello', 'fail', 'limit', 'refuse']) lines.push(`${prompt}: ${await complete(client, prompt)}`)
  lines.push(`events: ${await events(new URL(baseURL).origin)}`)
  return lines
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await run(process.env.OPENAI_BASE_URL ?? 'http://127.0.0.1:3005/v1')) console.log(line)
}
