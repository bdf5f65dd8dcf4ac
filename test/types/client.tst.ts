import { expect, test } from 'tstyche'
import { defineErrors } from '../../src/index.js'
import { catalogs, defineCatalog } from '../../src/catalogs.js'
import { ApiClientError, fetchWithRetry, parseApiError, type InjectResponseLike } from '../../src/client.js'

declare const response: InjectResponseLike

const catalog = defineCatalog({
  JOB_NOT_FOUND: { status: 404, message: 'Job {job_id} not found', category: 'Job' },
  JOB_LOCKED: { status: 423, message: 'Job is locked', retryable: true }
})

test('defineCatalog keeps codes, statuses and messages literal, and defineErrors takes it', () => {
  expect(catalog.JOB_NOT_FOUND.status).type.toBe<404>()
  expect(catalog.JOB_NOT_FOUND.message).type.toBe<'Job {job_id} not found'>()
  const errors = defineErrors(catalog)
  expect(errors.JOB_NOT_FOUND).type.toBeCallableWith({ job_id: 'x' })
  expect(errors.JOB_NOT_FOUND).type.not.toBeCallableWith()
})

test('defineCatalog refuses what is not a catalog', () => {
  expect(defineCatalog).type.not.toBeCallableWith({ X: { status: '404', message: 'x' } })
  expect(defineCatalog).type.not.toBeCallableWith({ X: { status: 404 } })
  expect(defineCatalog).type.not.toBeCallableWith({ X: { status: 404, message: 'x', retry: 'sometimes' } })
})

test('with a catalog, code is typed by its codes and is() narrows it', async () => {
  const error = await parseApiError(response, { catalog })
  expect(error).type.toBe<ApiClientError<'JOB_NOT_FOUND' | 'JOB_LOCKED'> | undefined>()
  if (error === undefined) return
  expect(error.code).type.toBe<'JOB_NOT_FOUND' | 'JOB_LOCKED' | (string & {})>()
  if (error.is('JOB_NOT_FOUND')) {
    expect(error.code).type.toBe<'JOB_NOT_FOUND'>()
  }
  if (error.is('JOB_NOT_FOUND', 'JOB_LOCKED')) {
    expect(error.code).type.toBe<'JOB_NOT_FOUND' | 'JOB_LOCKED'>()
  }
})

test('is() refuses a code the catalog does not list', async () => {
  const error = await parseApiError(response, { catalog })
  if (error === undefined) return
  expect(error.is).type.toBeCallableWith('JOB_LOCKED')
  expect(error.is).type.not.toBeCallableWith('JOB_NOT_FUOND')
  expect(error.is).type.not.toBeCallableWith('JOB_LOCKED', 'NOPE')
  expect(error.is).type.not.toBeCallableWith()
})

test('a preset catalog from the catalogs entry types the codes, alone or spread under the user\'s', async () => {
  const genai = await parseApiError(response, { catalog: catalogs.genai.catalog })
  const both = await parseApiError(response, { catalog: { ...catalogs.genai.catalog, ...catalog } })
  if (genai === undefined || both === undefined) return
  expect(genai.is).type.toBeCallableWith('PROMPT_TOO_LONG')
  expect(genai.is).type.not.toBeCallableWith('JOB_LOCKED')
  expect(both.is).type.toBeCallableWith('PROMPT_TOO_LONG')
  expect(both.is).type.toBeCallableWith('JOB_LOCKED')
})

test('without a catalog, code is a string and is() takes any', async () => {
  const error = await parseApiError(response)
  expect(error).type.toBe<ApiClientError | undefined>()
  if (error === undefined) return
  expect(error.code).type.toBe<string>()
  expect(error.is).type.toBeCallableWith('ANYTHING')
})

test('a defineErrors() result (server code) is not a client catalog', () => {
  const errors = defineErrors(catalog)
  expect(parseApiError).type.not.toBeCallableWith(response, { catalog: errors })
  expect(fetchWithRetry).type.not.toBeCallableWith('/x', {}, { catalog: errors })
  expect(fetchWithRetry).type.toBeCallableWith('/x', {}, { catalog })
})
