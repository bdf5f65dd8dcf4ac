import type { ErrorRecord } from './record.js'

// How an error answer is written into a stream that has already started: pure text, no Fastify.

/** The streaming content types whose errors end the stream with an error event or line. */
export type StreamKind = 'sse' | 'ndjson'

const eventStream = /^\s*text\/event-stream\s*(?:;|$)/i
const ndjson = /^\s*application\/x-ndjson\s*(?:;|$)/i

/** The stream kind of a response's content type, or undefined for any other. */
export function streamKind (contentType: unknown): StreamKind | undefined {
  if (typeof contentType !== 'string') return undefined
  if (eventStream.test(contentType)) return 'sse'
  return ndjson.test(contentType) ? 'ndjson' : undefined
}

/** The error answer a stream writes: the format's body as text, its record, and the format's name. */
export interface StreamErrorAnswer {
  payload: string
  record: ErrorRecord
  format: string
}

/**
 * Where a stream's bytes stand, so the error frame neither merges into a half-written event
 * nor counts wrong: the events (or lines) completed so far, and whether a line or event is open.
 */
export class StreamTracker {
  events = 0
  /** Inside a line: something was written since the last newline. */
  inLine = false
  /** Inside an event: an event stream has non-empty lines since the last blank line. */
  inEvent = false
  constructor (readonly kind: StreamKind) {}

  /** Reads one chunk the stream is about to send. */
  add (chunk: unknown): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk instanceof Uint8Array ? chunk : undefined
    if (bytes === undefined) return
    const sse = this.kind === 'sse'
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]
      if (byte === 0x0d) continue
      if (byte !== 0x0a) {
        this.inLine = true
        continue
      }
      if (sse) {
        // A blank line ends an event; a line ends a field of the open one.
        if (!this.inLine && this.inEvent) {
          this.events++
          this.inEvent = false
        } else if (this.inLine) {
          this.inEvent = true
        }
      } else if (this.inLine) {
        this.events++
      }
      this.inLine = false
    }
  }

  /**
   * The error frame for `answer`, after what the stream has written. An event stream gets
   * `event: error` with the body as data; for the `openai` format an unnamed event whose data
   * is `{"error":{…}}`, which OpenAI's SDKs raise as an `APIError`. A wait (`retryAfter`) is
   * also the event's `retry` field, in milliseconds. NDJSON gets the body as one last line.
   * A half-written line or event is closed first: it is lost, but the error is not.
   */
  frame (answer: StreamErrorAnswer): string {
    if (this.kind === 'ndjson') {
      // A serializer that pretty-prints: newlines between JSON tokens are whitespace, spaces keep it one line.
      return (this.inLine ? '\n' : '') + answer.payload.replace(/\r\n|\r|\n/g, ' ') + '\n'
    }
    let frame = this.inLine ? '\n\n' : this.inEvent ? '\n' : ''
    if (answer.format !== 'openai') frame += 'event: error\n'
    for (const line of answer.payload.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`
    if (answer.record.retryAfter !== undefined) frame += `retry: ${answer.record.retryAfter * 1000}\n`
    return frame + '\n'
  }
}
