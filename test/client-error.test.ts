import t from 'tap'
import { conversation, garbage, streamingApp } from './helpers/raw-http.js'

t.test('garbage after a finished response is answered with the envelope, then the connection closed', async t => {
  const { port } = await streamingApp(t)
  const received = await conversation(port, 'GET /ok HTTP/1.1\r\nHost: localhost\r\n\r\n', '{"ok":true}', garbage)
  const heads = received.match(/HTTP\/1\.1 \d{3}/g)
  t.same(heads, ['HTTP/1.1 200', 'HTTP/1.1 400'], 'the route answer, then the 400, once')
  const envelope = JSON.parse(received.slice(received.lastIndexOf('\r\n\r\n') + 4))
  t.same(Object.keys(envelope), ['detail', 'error_code', 'request_id'], 'the 400 is the envelope')
})
