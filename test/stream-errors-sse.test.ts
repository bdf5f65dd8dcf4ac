import { once } from 'node:events'
import { PassThrough, Readable } from 'node:stream'
import fastifySSEModule from '@fastify/sse'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import t, { type Test } from 'tap'
import errorEnvelope, { ApiError } from '../src/index.js'
import { testServerOptions } from '../src/testing.js'
import { fixedNow, logCapture } from './helper.js'

// Errors inside streams with the `@fastify/sse` plugin, registered before or after this one, over real sockets:
// an error of the source, of the handler, or reply.sendError() ends the event stream with one error event.

// A CommonJS module: at run time its default import is the plugin itself, which its types call `default`.
const fastifySSE = fastifySSEModule as unknown as typeof fastifySSEModule.default

type Order = 'sse first' | 'envelope first'

interface Served { url: string, lines: Array<Record<string, any>>, app: FastifyInstance }

async function serve (t: Test, order: Order, routes: (app: FastifyInstance) => void): Promise<Served> {
  const { stream, lines } = logCapture()
  const app = Fastify({ ...testServerOptions({ requestId: 'req-sse-1' }), logger: { level: 'info', stream } })
  t.teardown(() => app.close())
  const envelope = { preset: 'genai' as const, now: fixedNow }
  if (order === 'sse first') {
    await app.register(fastifySSE, { heartbeatInterval: 0 })
    await app.register(errorEnvelope, envelope)
  } else {
    await app.register(errorEnvelope, envelope)
    await app.register(fastifySSE, { heartbeatInterval: 0 })
  }
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { url: `http://127.0.0.1:${address.port}`, lines, app }
}

/** The events of an event-stream text: their name and data. */
function events (text: string): Array<{ event?: string, data: string }> {
  return text.split('\n\n').filter(block => block.trim() !== '').map(block => {
    const out: { event?: string, data: string } = { data: '' }
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) out.event = line.slice(7)
      if (line.startsWith('data: ')) data.push(line.slice(6))
    }
    out.data = data.join('\n')
    return out
  })
}

const unavailable = { success: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'Service is temporarily unavailable' }, meta: { request_id: 'req-sse-1', timestamp: '2024-01-01T00:00:00Z' } }

/** Fetches `path` and checks it ends with the error event of `body` after `before` data events. */
async function expectErrorEvent (t: Test, url: string, before: number, body: unknown = unavailable): Promise<void> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream' } })
  t.equal(response.status, 200)
  t.match(response.headers.get('content-type'), /^text\/event-stream/)
  const all = events(await response.text())
  t.equal(all.length, before + 1, JSON.stringify(all))
  t.same(all.at(-1), { event: 'error', data: JSON.stringify(body) })
}

async function * upstream (): AsyncGenerator<{ data: unknown }> {
  yield { data: { n: 1 } }
  await new Promise(resolve => setImmediate(resolve))
  yield { data: { n: 2 } }
  throw new ApiError('SERVICE_UNAVAILABLE')
}

for (const order of ['sse first', 'envelope first'] as const) {
  t.test(`${order}: an async iterable passed to reply.sse.send() that fails`, async t => {
    const { url, lines } = await serve(t, order, app => {
      app.get('/s', { sse: true }, async (_request, reply) => {
        await reply.sse.send(upstream())
      })
    })
    await expectErrorEvent(t, `${url}/s`, 2)
    const logged = lines.filter(line => line.error_code !== undefined)
    t.match(logged, [{ error_code: 'SERVICE_UNAVAILABLE', status: 503, stream_events: 2 }], 'one line, with the events sent before it')
  })

  t.test(`${order}: a Readable passed to reply.sse.send() that fails (@fastify/sse alone only logs it and cuts the connection)`, async t => {
    const { url } = await serve(t, order, app => {
      app.get('/s', { sse: true }, async (_request, reply) => {
        await reply.sse.send(Readable.from(upstream()))
      })
    })
    await expectErrorEvent(t, `${url}/s`, 2)
  })

  t.test(`${order}: the handler throws after events were sent`, async t => {
    const { url, lines } = await serve(t, order, app => {
      app.get('/s', { sse: true }, async (_request, reply) => {
        await reply.sse.send({ data: { n: 1 } })
        throw new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 20 })
      })
    })
    const response = await fetch(`${url}/s`, { headers: { accept: 'text/event-stream' } })
    const text = await response.text()
    t.match(text, /\nretry: 20000\n\n$/, 'the wait as the event\'s retry field')
    t.match(JSON.parse(events(text).at(-1)?.data ?? ''), { success: false, error: { code: 'RATE_LIMIT_EXCEEDED' } })
    t.equal(lines.filter(line => line.error_code !== undefined).length, 1, 'logged once, not again as an error after the reply was sent')
    t.same(lines.filter(line => /after the reply was sent/.test(line.msg)), [])
  })

  t.test(`${order}: reply.sendError() on a kept-alive stream, from outside the handler`, async t => {
    let reply: FastifyReply | undefined
    const { url } = await serve(t, order, app => {
      app.get('/s', { sse: true }, async (_request, r) => {
        reply = r
        r.sse.keepAlive()
        await r.sse.send({ data: { n: 1 } })
      })
    })
    const response = await fetch(`${url}/s`, { headers: { accept: 'text/event-stream' } })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    t.match(Buffer.from((await reader.read()).value ?? []).toString(), /^data: \{"n":1\}/)
    const closed = once((reply as FastifyReply).raw, 'close')
    reply?.sendError(new ApiError('SERVICE_UNAVAILABLE'))
    let rest = ''
    for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString()
    t.same(events(rest), [{ event: 'error', data: JSON.stringify(unavailable) }])
    await closed
    t.notOk(reply?.sse.isConnected, 'the stream is closed')
  })

  t.test(`${order}: an error before the first event is the ordinary answer, with its status`, async t => {
    const { url } = await serve(t, order, app => {
      app.get('/s', { sse: true }, async () => {
        throw new ApiError('RATE_LIMIT_EXCEEDED', { retryAfter: 20 })
      })
    })
    const response = await fetch(`${url}/s`, { headers: { accept: 'text/event-stream' } })
    t.equal(response.status, 429)
    t.equal(response.headers.get('retry-after'), '20')
    t.match(await response.json(), { success: false, error: { code: 'RATE_LIMIT_EXCEEDED' } })
  })
}

t.test('a client that disconnects: the next send fails as @fastify/sse says, nothing is written, nothing logged as an error event', async t => {
  let report: (outcome: unknown) => void = () => {}
  const outcome = new Promise(resolve => { report = resolve })
  let resume: () => void = () => {}
  let closed: Promise<unknown> | undefined
  const { url, lines } = await serve(t, 'envelope first', app => {
    app.get('/s', { sse: true }, async (_request, reply) => {
      closed = once(reply.raw, 'close')
      await reply.sse.send({ data: { n: 1 } })
      await new Promise<void>(resolve => { resume = resolve })
      try {
        await reply.sse.send(upstream())
        report('sent')
      } catch (err) {
        report(err)
        throw err
      }
    })
  })
  const controller = new AbortController()
  const response = await fetch(`${url}/s`, { headers: { accept: 'text/event-stream' }, signal: controller.signal })
  await (response.body as ReadableStream<Uint8Array>).getReader().read()
  controller.abort()
  await closed
  resume()
  t.match(await outcome, { code: 'FST_ERR_SSE_CONNECTION_CLOSED' })
  t.same(lines.filter(line => line.stream_events !== undefined), [], 'no error event answered to a closed socket')
})

t.test('an async iterable passed to reply.sse.send() that ends: every event goes out, and the handler\'s after it', async t => {
  async function * two (): AsyncGenerator<{ data: unknown }> {
    yield { data: { n: 1 } }
    yield { data: { n: 2 } }
  }
  const { url, lines } = await serve(t, 'sse first', app => {
    app.get('/s', { sse: true }, async (_request, reply) => {
      await reply.sse.send(two())
      await reply.sse.send({ data: { n: 3 } })
    })
  })
  const response = await fetch(`${url}/s`, { headers: { accept: 'text/event-stream' } })
  t.same(events(await response.text()), [{ data: '{"n":1}' }, { data: '{"n":2}' }, { data: '{"n":3}' }])
  t.same(lines.filter(line => line.stream_events !== undefined), [])
})

t.test('reply.sendError() while reply.sse.send() waits on a source: the source is closed and the error event written, once', async t => {
  let reply: FastifyReply | undefined
  const source = new PassThrough({ objectMode: true })
  let sending: Promise<unknown> | undefined
  const { url, lines } = await serve(t, 'envelope first', app => {
    app.get('/s', { sse: true }, async (_request, r) => {
      reply = r
      r.sse.keepAlive()
      await r.sse.send({ data: { n: 1 } })
      // Not awaited: the upstream, which has nothing yet, is read after the handler has returned.
      sending = r.sse.send(source).catch((err: unknown) => err)
    })
  })
  const response = await fetch(`${url}/s`, { headers: { accept: 'text/event-stream' } })
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  while (!text.endsWith('\n\n')) text += Buffer.from((await reader.read()).value ?? []).toString()
  t.same(events(text), [{ data: '{"n":1}' }])
  reply?.sendError(new ApiError('SERVICE_UNAVAILABLE'))
  reply?.sendError(new ApiError('INTERNAL_ERROR'))
  let rest = ''
  for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString()
  t.same(events(rest), [{ event: 'error', data: JSON.stringify(unavailable) }], 'one error event: the first error\'s')
  t.ok(source.destroyed, 'the upstream is closed')
  await sending
  t.match(lines.filter(line => line.stream_events !== undefined), [{ error_code: 'SERVICE_UNAVAILABLE', stream_events: 1 }])
  t.equal(lines.filter(line => line.error_code !== undefined).length, 1, 'the second error is neither answered nor logged')
})

t.test('after the error event (a source whose destroy throws): the source resuming writes nothing, and a later reply.sse.send() fails', async t => {
  let reply: FastifyReply | undefined
  let open: () => void = () => {}
  const gate = new Promise<void>(resolve => { open = resolve })
  let resumed = false
  // An upstream without destroy, waiting when the error comes.
  async function * late (): AsyncGenerator<{ data: unknown }> {
    await gate
    resumed = true
    yield { data: { n: 2 } }
  }
  let sending: Promise<unknown> | undefined
  const { url } = await serve(t, 'envelope first', app => {
    app.get('/s', { sse: true }, async (_request, r) => {
      reply = r
      r.sse.keepAlive()
      await r.sse.send({ data: { n: 1 } })
      // Its destroy is of no use once it waits: the error event is written all the same.
      const source = Object.assign(late(), { destroy () { throw new Error('cannot stop now') } })
      sending = r.sse.send(source).then(() => 'ended', (err: unknown) => err)
    })
  })
  const response = await fetch(`${url}/s`, { headers: { accept: 'text/event-stream' } })
  const text = await new Promise<string>((resolve, reject) => {
    let all = ''
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const pump = (): void => {
      reader.read().then(chunk => {
        if (chunk.done === true) return resolve(all)
        all += Buffer.from(chunk.value).toString()
        // The first event is out: the error comes now, while the upstream waits.
        if (all === 'data: {"n":1}\n\n') reply?.sendError(new ApiError('SERVICE_UNAVAILABLE'))
        pump()
      }, reject)
    }
    pump()
  })
  t.same(events(text), [{ data: '{"n":1}' }, { event: 'error', data: JSON.stringify(unavailable) }])
  open()
  t.equal(await sending, 'ended', 'the waiting send ends once its source resumes')
  t.ok(resumed, 'the source did resume')
  await t.rejects(reply?.sse.send({ data: { n: 3 } }) ?? Promise.resolve(), /the event stream already ended with an error/)
})

t.test('a route that destroys its event stream\'s socket and then reports an error: nothing is answered or logged as an error event', async t => {
  let fail: () => void = () => {}
  const { url, lines, app } = await serve(t, 'sse first', app => {
    app.get('/s', { sse: true }, async (_request, reply) => {
      reply.sse.keepAlive()
      await reply.sse.send({ data: { n: 1 } })
      fail = () => {
        reply.raw.destroy()
        reply.sendError(new ApiError('SERVICE_UNAVAILABLE'))
      }
    })
  })
  const response = await fetch(`${url}/s`, { headers: { accept: 'text/event-stream' } })
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  fail()
  await t.rejects(async () => { for (let c = await reader.read(); c.done !== true; c = await reader.read()); }, 'the client sees the connection cut')
  t.same(lines.filter(line => line.stream_events !== undefined), [])
  t.equal((await app.inject('/nowhere')).statusCode, 404, 'the server goes on')
})
