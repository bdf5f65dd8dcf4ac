import { Readable } from 'node:stream'
import type { Test } from 'tap'
import type { FastifyInstance, RouteShorthandOptions } from 'fastify'
import type { ErrorEnvelopeOptions } from '../src/index.js'
import { build, logCapture } from './helper.js'

// Shared by the tests of errors inside streams passed to `reply.send` (docs/guides/streams.md).

export const sse = 'text/event-stream'
export const ndjson = 'application/x-ndjson'

/** Two events, then the source fails with `error`. */
export async function * failing (error: unknown, events: string[] = ['data: {"n":1}\n\n', 'data: {"n":2}\n\n']): AsyncGenerator<string> {
  for (const event of events) {
    yield event
    await new Promise(resolve => setImmediate(resolve))
  }
  throw error
}

export async function listen (t: Test, app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}`
}

export interface Served { url: string, lines: Array<Record<string, any>> }

/** Routes here say they stream with `config.stream`; test/stream-errors-routes.test.ts tries every way. */
export const streaming: RouteShorthandOptions = { config: { stream: true } }

/**
 * An app of `preset` with `/stream` (the source `make()` as `type`, declared by `declare`) and `/body`
 * (the same error thrown without a stream), listening on loopback.
 */
export async function serve (t: Test, plugin: ErrorEnvelopeOptions, make: () => AsyncIterable<unknown>, type = sse, declare: RouteShorthandOptions = streaming): Promise<Served> {
  const { stream, lines } = logCapture()
  const app = await build(t, { requestId: 'req-stream-1', plugin, server: { logger: { level: 'info', stream } } })
  let error: unknown
  app.get('/stream', declare, async (_request, reply) => {
    const source = Readable.from(make())
    source.on('error', err => { error = err })
    return reply.type(type).send(source)
  })
  app.get('/body', async () => { throw error })
  return { url: await listen(t, app), lines }
}

/** The events of an event-stream text: their name (undefined when unnamed), data and retry field. */
export function events (text: string): Array<{ event?: string, data: string, retry?: string }> {
  return text.split('\n\n').filter(block => block !== '').map(block => {
    const out: { event?: string, data: string, retry?: string } = { data: '' }
    const data: string[] = []
    for (const line of block.split('\n')) {
      const [field, ...rest] = line.split(': ')
      if (field === 'event') out.event = rest.join(': ')
      if (field === 'data') data.push(rest.join(': '))
      if (field === 'retry') out.retry = rest.join(': ')
    }
    out.data = data.join('\n')
    return out
  })
}
