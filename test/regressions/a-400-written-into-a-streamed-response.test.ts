// Garbage pipelined behind a streamed response made clientErrorHandler write a 400 into the stream (0e7af63).
import t from 'tap'
import { conversation, garbage, streamingApp } from '../helpers/raw-http.js'

t.test('garbage pipelined behind a streamed response: the stream is completed, then the connection closed, no 400 inside it', async t => {
  const { port } = await streamingApp(t)
  const received = await conversation(port, 'GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n', 'first-chunk', garbage)
  t.match(received, /^HTTP\/1\.1 200 OK\r\n/, 'the streamed response')
  t.equal(received.split('HTTP/1.1 ').length - 1, 1, 'one response head, no other')
  t.notMatch(received, /\b400\b|Malformed HTTP request/, 'no 400 written into the stream')
  t.match(received, /first-chunk\n\r\n[^]*last-chunk\n\r\n0\r\n\r\n$/, 'the whole stream, to its last chunk, then the close')
})
