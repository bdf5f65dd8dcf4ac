import type { FastifyInstance } from 'fastify'

// Fastify hands each route the error handler of its context when the route is registered:
// a route registered before the plugin keeps Fastify's default handler for good, and answers
// its default body. Nothing in Fastify says so, so the plugin checks it at `ready`.

/** What `registerRouteOrderCheck` sets on each context the plugin is registered in. */
const registeredHere = Symbol('fastify-error-envelope.registration')

interface Registration {
  notFound: boolean
}

let markers = 0

/**
 * Refuses a second registration where it cannot work: in the same context (Fastify would
 * say only that a not-found handler is already set), or in a child context without a
 * prefix of its own while an outer registration already answers unmatched routes there.
 */
export function assertSingleRegistration (fastify: FastifyInstance, notFound: boolean): void {
  const here = fastify as unknown as Record<symbol, Registration | undefined>
  if (Object.hasOwn(here, registeredHere)) {
    throw new TypeError('fastify-error-envelope: registered twice in the same context; register it once per context with all its options, or register the second one inside a child context with its own prefix')
  }
  // A child context is an object created from its parent's, so the outer registrations are up the prototype chain.
  for (let outer: object | null = notFound ? Object.getPrototypeOf(fastify) : null; outer !== null; outer = Object.getPrototypeOf(outer)) {
    const registration = Object.hasOwn(outer, registeredHere) ? (outer as Record<symbol, Registration>)[registeredHere] : undefined
    if (registration?.notFound === true && (outer as FastifyInstance).prefix === fastify.prefix) {
      const prefix = fastify.prefix === '' ? '/' : fastify.prefix
      throw new TypeError(`fastify-error-envelope: registered again in a child context, but an outer registration already answers unmatched routes under '${prefix}'; give the child context a prefix of its own, or pass notFound: false to this registration`)
    }
  }
  here[registeredHere] = { notFound }
}

/**
 * Makes `ready` fail when a route of the plugin's own context (or of a child context) was
 * registered before the plugin. Routes of sibling and parent contexts are not the plugin's,
 * and stay allowed. Costs nothing when no route came first, the usual case.
 */
export function registerRouteOrderCheck (fastify: FastifyInstance): void {
  const before = routesOf(fastify.printRoutes({ commonPrefix: false }))
  if (before.length === 0) return
  const earlier = new Set(before.map(r => `${r.method} ${r.path}`))
  // Fastify gives a context's hooks to every route of it and of its children, whenever they were
  // registered, and to no other route: a uniquely named hook marks the routes in the plugin's scope.
  // onError runs only for errors, so the marker costs no request anything.
  const name = `fastifyErrorEnvelopeScope${++markers}`
  function marker (_request: unknown, _reply: unknown, _error: unknown, done: () => void): void { done() }
  Object.defineProperty(marker, 'name', { value: name })
  fastify.addHook('onError', marker)
  fastify.addHook('onReady', async function checkRouteOrder () {
    const offending: string[] = []
    for (const route of routesOf(fastify.printRoutes({ commonPrefix: false, includeMeta: ['onError'] }))) {
      const key = `${route.method} ${route.path}`
      if (route.meta.includes(`"${name}()"`) && earlier.has(key) && !offending.includes(key)) offending.push(key)
    }
    if (offending.length === 0) return
    const named = offending.slice(0, 3).map(r => `'${r}'`).join(', ') + (offending.length > 3 ? ` and ${offending.length - 3} more` : '')
    const [subject, verbs] = offending.length === 1 ? ['route', 'was registered before the plugin, so it keeps'] : ['routes', 'were registered before the plugin, so they keep']
    throw new TypeError(`fastify-error-envelope: ${subject} ${named} ${verbs} Fastify's default error handler and its default body; register the plugin first (await app.register(errorEnvelope) before your routes and the plugins that add them)`)
  })
}

interface PrintedRoute {
  method: string
  path: string
  meta: string
}

/**
 * The routes in `printRoutes({ commonPrefix: false })`: one line per path and methods, a
 * child line's path continuing its parent's, the route's meta on the `•` lines below it.
 * HEAD routes Fastify adds for GET routes are left out.
 */
function routesOf (printed: string): PrintedRoute[] {
  const routes: PrintedRoute[] = []
  const paths: string[] = []
  let last: PrintedRoute[] = []
  for (const line of printed.split('\n')) {
    // Methods are tokens (a method added with addHttpMethod may hold `-` or `_`): anything but `(`, `)` and `, `.
    const node = /^([│ ├└]*?)[├└]── (\S+)(?: \(([^()]+)\))?/.exec(line)
    if (node !== null) {
      const depth = Math.floor((node[1] as string).length / 4)
      /* c8 ignore next -- a child line always follows its parent's line: the `?? ''` only keeps the type a string */
      const path = (depth === 0 ? '' : paths[depth - 1] ?? '') + (node[2] as string)
      paths[depth] = path
      paths.length = depth + 1
      /* c8 ignore next -- with commonPrefix: false every line is a route and lists its methods: the `?? []` only keeps the type */
      const methods = node[3]?.split(', ') ?? []
      const head = methods.includes('GET')
      last = methods.filter(m => !(m === 'HEAD' && head)).map(method => ({ method, path, meta: '' }))
      routes.push(...last)
    } else if (line.includes('• (')) {
      for (const route of last) route.meta += line
    }
  }
  return routes
}
