import { fileURLToPath } from 'node:url'
import OpenAI from 'openai'

/** One call the client makes: which key, which request. */
interface Case {
  label: string
  apiKey: string
  body: OpenAI.ChatCompletionCreateParamsNonStreaming
}

const hello = [{ role: 'user' as const, content: 'Hello' }]

const cases: Case[] = [
  { label: 'unknown API key', apiKey: 'sk-nope', body: { model: 'gpt-4o-mini', messages: hello } },
  { label: 'disabled API key', apiKey: 'sk-disabled', body: { model: 'gpt-4o-mini', messages: hello } },
  { label: 'unknown model', apiKey: 'sk-demo', body: { model: 'gpt-9', messages: hello } },
  { label: 'max_tokens too large', apiKey: 'sk-demo', body: { model: 'gpt-4o-mini', messages: hello, max_tokens: 100_000 } },
  { label: 'a valid request', apiKey: 'sk-demo', body: { model: 'gpt-4o-mini', messages: hello } }
]

/** What the SDK's error says: its class, status, code, type, param, message and requestID, and Retry-After when sent. */
function describeError (err: InstanceType<typeof OpenAI.APIError>): string {
  const param = err.param === undefined || err.param === null ? '' : ` param=${err.param}`
  const retryAfter = err.headers?.get('retry-after')
  const wait = retryAfter === null || retryAfter === undefined ? '' : ` retry-after=${retryAfter}s`
  return `${err.constructor.name} status=${err.status} code=${String(err.code)} type=${String(err.type)}${param} message=${JSON.stringify(err.message)} requestID=${String(err.requestID)}${wait}`
}

async function attempt (client: OpenAI, body: Case['body']): Promise<string> {
  try {
    const completion = await client.chat.completions.create(body)
    return `ok: ${JSON.stringify(completion.choices[0]?.message.content)}`
  } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err
    return describeError(err)
  }
}

/**
 * Calls the gateway at `baseURL` (up to and including `/v1`) with the official
 * `openai` package, retries off so that each call shows the gateway's first
 * answer, and returns one line per call: what the SDK saw.
 */
export async function run (baseURL: string): Promise<string[]> {
  const client = (apiKey: string): OpenAI => new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout: 10_000 })
  const lines: string[] = []
  for (const c of cases) lines.push(`${c.label}: ${await attempt(client(c.apiKey), c.body)}`)

  // The limit is per key: sk-burst sends until the gateway says 429 (10 a minute by default).
  const burst = client('sk-burst')
  for (let n = 1; n <= 100; n++) {
    const line = await attempt(burst, { model: 'gpt-4o-mini', messages: hello })
    if (!line.startsWith('ok:')) {
      lines.push(`request ${n} with sk-burst: ${line}`)
      break
    }
  }
  return lines
}

/* c8 ignore start -- the script's entry point; test/examples/openai-gateway.test.ts runs it as a process */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const baseURL = process.env.OPENAI_BASE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3002}/v1`
  console.log(`Calling ${baseURL} with the openai SDK:\n`)
  for (const line of await run(baseURL)) console.log(line)
}
/* c8 ignore stop */
