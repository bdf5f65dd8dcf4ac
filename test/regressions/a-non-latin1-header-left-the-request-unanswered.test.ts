// A response header Node refuses to write (here a value outside Latin-1) made writeHead throw inside the error path: the request was never answered (ee614d1).
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import errorEnvelope, { ApiError, requestIdOptions } from '../../src/index.js'
import { anotherFastify, build, type Teardown } from '../helper.js'
import { listen, openConnections, rawGet } from '../helpers/raw-http.js'

// The plugin reads the headers Fastify holds for writeHead where Fastify keeps them; a second copy of
// Fastify (its symbols not the plugin's) is read through getHeaders(). Both drop the refused header.
const apps: Record<string, (t: Teardown) => Promise<FastifyInstance>> = {
  'the Fastify the plugin loads': async t => await build(t),
  'another copy of Fastify': async t => {
    const app = anotherFastify()({ ...requestIdOptions() }) as unknown as FastifyInstance
    t.teardown(() => app.close())
    await app.register(errorEnvelope)
    return app
  }
}

for (const [fastify, make] of Object.entries(apps)) {
  t.test(`${fastify}: a route that set a non-Latin-1 header is answered with the envelope, without that header, and its socket is closed`, async t => {
    const app = await make(t)
    const euro = 'attachment; filename="€.pdf"'
    app.get('/download', async (_request, reply) => {
      reply.header('content-disposition', euro)
      return 'pdf'
    })
    app.get('/missing', async (_request, reply) => {
      reply.header('content-disposition', euro)
      throw new ApiError('JOB_NOT_FOUND')
    })
    const port = await listen(t, app)
    for (const [path, status, code] of [['/download', 500, 'SYSTEM_INTERNAL_ERROR'], ['/missing', 404, 'JOB_NOT_FOUND']] as const) {
      const answer = await rawGet(port, path)
      t.equal(answer.status, status, `${path}: answered`)
      t.equal(answer.headers['content-disposition'], undefined, `${path}: the refused header is not sent`)
      t.equal(JSON.parse(answer.body).error_code, code, `${path}: the envelope`)
    }
    t.equal(await openConnections(app), 0, 'no socket is left open')
  })
}
