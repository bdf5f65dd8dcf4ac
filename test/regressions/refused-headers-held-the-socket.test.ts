// A response whose head Node refused left its socket open, and an answer that could not be written at all held it for good (ee614d1).
import t from 'tap'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { build, logCapture } from '../helper.js'
import { listen, openConnections, rawGet } from '../helpers/raw-http.js'

t.test('50 requests that set a refused header hold no socket', async t => {
  const app = await build(t)
  app.get('/download', async (_request, reply) => {
    reply.header('content-disposition', 'attachment; filename="€.pdf"')
    return 'pdf'
  })
  const port = await listen(t, app)
  const answers = await Promise.all(Array.from({ length: 50 }, async () => await rawGet(port, '/download')))
  t.ok(answers.every(a => a.status === 500), 'each is answered with the internal error')
  t.equal(await openConnections(app), 0, 'and none of their sockets is still open')
})

t.test('when even the answer cannot be written, the socket is destroyed', async t => {
  const { stream, lines } = logCapture()
  const app = await build(t, { server: { logger: { level: 'info', stream } } })
  // A response object that refuses every head it is given.
  const refuseHead = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.raw.writeHead = () => { throw new TypeError('writeHead refused') }
  }
  // The head is taken, then the body cannot be written: half an answer that a second one must not follow.
  const refuseBody = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.raw.end = () => { throw new TypeError('end refused') }
  }
  app.get('/broken', { onRequest: refuseHead }, async () => { throw new Error('boom') })
  app.get('/ok-but-broken', { onRequest: refuseHead }, async () => ({ ok: true }))
  app.get('/head-then-fail', { onRequest: refuseBody }, async () => { throw new Error('boom') })
  const port = await listen(t, app)
  for (const path of ['/broken', '/ok-but-broken', '/head-then-fail']) {
    const answer = await rawGet(port, path)
    t.equal(answer.text, '', `${path}: nothing was written, and the socket was closed`)
  }
  t.equal(lines.filter(l => l.msg === 'the error answer could not be written; destroying the socket').length, 3, 'each is logged')
  t.equal(await openConnections(app), 0, 'no socket is left open')
})
