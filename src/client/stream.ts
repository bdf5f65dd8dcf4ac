import type { ApiClientError } from './error.js'
import { catalogEntry } from './guidance.js'
import { parseApiError, type FetchResponseLike } from './parse.js'
import { shapeOf } from './shape.js'

// Errors inside streams, read by the client: the last event of an event stream, or the last line of NDJSON.

/** One event of an event stream, as any SSE parser gives it, or one NDJSON line (`data` only). */
export interface StreamMessage {
  /** The event's name; absent or null for an unnamed event. */
  event?: string | null | undefined
  data: string
  /** The event's `retry` field, in milliseconds. */
  retry?: number | undefined
}

/** The members of a `fetch` Response that {@link readStream} reads. */
export interface StreamResponseLike extends FetchResponseLike {
  body: ReadableStream<Uint8Array> | null
}

/**
 * The error an event-stream event or NDJSON line carries, as the same {@link ApiClientError} a
 * non-streaming error body gives; `undefined` for any other message. An error is an event named
 * `error`, an event whose data is OpenAI's `{"error":{…}}`, or an NDJSON line (a string) that is
 * an error body of one of the plugin's formats. The stream's status was 200, so `status` is the
 * body's (`problem`), else the code's in the preset catalogs, else 500; `retryAfterMs` is the
 * body's `retry_after`, else the event's `retry` field. `requestId` falls back to the one given
 * (the stream's `x-request-id`).
 *
 * @example
 * import { parseStreamError } from 'fastify-error-envelope/client'
 *
 * source.addEventListener('error', async (event) => {
 *   const error = event instanceof MessageEvent ? await parseStreamError({ event: 'error', data: event.data }) : undefined
 *   if (error !== undefined) console.error(error.code, error.message, error.requestId)
 * })
 */
export async function parseStreamError (message: StreamMessage | string, requestId?: string): Promise<ApiClientError | undefined> {
  const line = typeof message === 'string'
  const data = line ? message : message.data
  let body: unknown
  try {
    body = JSON.parse(data)
  } catch {}
  const shape = shapeOf(body)
  if (!(line ? shape.format !== 'unknown' : message.event === 'error' || shape.format === 'openai')) return undefined
  // A problem body is recognised by its numeric `status`.
  const status = shape.format === 'problem'
    ? (body as { status: number }).status
    // Every shape that carries a code names the catalogs to look it up in.
    : (shape.code === undefined ? undefined : catalogEntry(shape.code, shape.lookup as NonNullable<typeof shape.lookup>))?.status ?? 500
  const headers: Record<string, string | undefined> = { 'x-request-id': requestId }
  if (!line && message.retry !== undefined) headers['retry-after-ms'] = String(message.retry)
  // Read as the body of an answer with that status: the same error, field by field.
  return await parseApiError({ statusCode: status, statusMessage: data === '' ? 'the stream ended with an error' : data, headers, body: data })
}

/** The lines of a byte stream, each without its end (`\n`, `\r\n` or `\r`), the last one too. */
async function * lines (body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let buffer = ''
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      finished = done
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true })
      // A `\r` last may be half of a `\r\n`: it waits for the next chunk, unless the stream ended.
      for (;;) {
        const end = buffer.search(/[\r\n]/)
        if (end === -1 || (!done && end === buffer.length - 1 && buffer[end] === '\r')) break
        yield buffer.slice(0, end)
        buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1))
      }
      if (done) {
        if (buffer !== '') yield buffer
        return
      }
    }
  } finally {
    // Left early (an error event, or the caller stopped): the rest of the response is not wanted.
    if (!finished) reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

/**
 * Reads a streaming response (`text/event-stream`, or NDJSON for any other type) and yields its
 * events or lines. An error response (status 400 and up) is thrown as {@link parseApiError} reads
 * it; an error event or line, as {@link parseStreamError} reads it. A stream that ends without
 * one simply ends.
 *
 * @example
 * import { ApiClientError, readStream } from 'fastify-error-envelope/client'
 *
 * const response = await fetch('https://api.example.com/v1/generate', { method: 'POST', body: '{}' })
 * try {
 *   for await (const message of readStream(response)) console.log(message.data)
 * } catch (err) {
 *   if (err instanceof ApiClientError) console.error(err.code, err.retryAfterMs)
 *   throw err
 * }
 */
export async function * readStream (response: StreamResponseLike): AsyncGenerator<StreamMessage> {
  const failed = await parseApiError(response)
  if (failed !== undefined) throw failed
  if (response.body === null) return
  const requestId = response.headers.get('x-request-id') ?? undefined
  const sse = /^\s*text\/event-stream/i.test(response.headers.get('content-type') ?? '')
  let message: StreamMessage = { data: '' }
  let data: string[] = []
  for await (const line of lines(response.body)) {
    if (!sse) {
      if (line.trim() === '') continue
      const error = await parseStreamError(line, requestId)
      if (error !== undefined) throw error
      yield { data: line }
      continue
    }
    if (line === '') {
      if (data.length > 0 || message.event !== undefined) {
        message.data = data.join('\n')
        const error = await parseStreamError(message, requestId)
        if (error !== undefined) throw error
        yield message
      }
      message = { data: '' }
      data = []
      continue
    }
    const colon = line.indexOf(':')
    if (colon === 0) continue
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1))
    if (field === 'data') data.push(value)
    else if (field === 'event') message.event = value
    else if (field === 'retry' && /^\d+$/.test(value)) message.retry = Number(value)
  }
}
