// A request timeout and a header overflow were plain errors under the trust rule: their 408 and 431 answers lost the message that says what happened (582c64c).
import t from 'tap'
import { build } from '../helper.js'
import { connectPair, listen, rawRequest } from '../helpers/raw-http.js'

t.test('an oversized header gets a 431 envelope that says so', async t => {
  const app = await build(t)
  app.get('/', async () => ({ ok: true }))
  const port = await listen(t, app)
  const res = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`)
  t.equal(res.status, 431)
  const body = JSON.parse(res.body)
  t.type(body.error_code, 'string')
  t.equal(body.detail, 'Exceeded maximum allowed HTTP header size')
  t.match(res.headers['x-request-id'], /^req_/)
  t.equal(body.request_id, res.headers['x-request-id'])
})

t.test('a request timeout Node reports gets a 408 envelope that says so', async t => {
  const app = await build(t)
  const port = await listen(t, app)
  const { client, server } = await connectPair(app, port)
  const received = new Promise<string>(resolve => {
    let text = ''
    client.on('data', chunk => { text += chunk.toString() })
    client.on('close', () => resolve(text))
  })
  // What Node's server emits when a request outlives requestTimeout.
  app.server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), server)
  const text = await received
  t.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/)
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
  t.equal(body.error_code, 'BAD_REQUEST')
  // Our own FEE_ errors are made to be answers (docs/safety.md): they keep their message.
  t.equal(body.detail, 'Client timeout')
})
