import { buildApp } from './app.js'

const app = await buildApp()
const address = await app.listen({ port: Number(process.env.PORT ?? 3001), host: process.env.HOST ?? '127.0.0.1' })
console.log(`OpenAPI document at ${address}/openapi.json, rendered at ${address}/docs`)
