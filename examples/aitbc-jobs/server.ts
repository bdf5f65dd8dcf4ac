import { buildApp } from './app.js'

const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
const app = await buildApp({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
const address = await app.listen({ port, host })

const base = address
const key = "-H 'x-api-key: demo-key'"
console.log(`
AITBC-style jobs API on ${base}. Try:

  curl -i ${base}/v1/jobs/job-1                                   # 401 AUTH_MISSING_KEY
  curl -i ${key} ${base}/v1/jobs/job-abc123                   # 404 JOB_NOT_FOUND
  curl -i ${key} -H 'content-type: application/json' -d '{}' ${base}/v1/jobs          # 422 VALIDATION_MISSING_FIELD
  curl -i ${key} -H 'content-type: application/json' -d '{"prompt":"hi","model":"gpt-9"}' ${base}/v1/jobs   # 422 VALIDATION_INVALID_MODEL
  curl -i ${key} -H 'content-type: application/json' -d '{"prompt":"hi"}' ${base}/v1/jobs   # 201, then claim it twice:
  curl -i ${key} -H 'x-miner-id: miner-7' -X POST ${base}/v1/jobs/job-1/claim   # 200, again: 409 JOB_ALREADY_CLAIMED
  curl -i ${key} ${base}/v1/busy                                  # 429 RATE_LIMIT_EXCEEDED, retry_after 60
  curl -i ${key} ${base}/nope                                     # 404 NOT_FOUND
`)
