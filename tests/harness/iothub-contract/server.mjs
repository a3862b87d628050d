// A local stand-in for IoT Hub's service REST API (api-version 2021-04-12), the subset
// door-scheduler uses: PUT/GET /jobs/v2/{id}, POST /jobs/v2/{id}/cancel, GET /jobs/v2/query and
// POST /devices/query (twins, and devices.jobs for each device's result). Every request is checked
// against the REST reference: method, path, query string, api-version, the Authorization header's
// form and HMAC signature for the known key, Content-Type, and the body's members and types. A
// request that breaks a rule is answered 400 and logged with its violation.
// Usage: node server.mjs CONFIG.json, where the file names
//   port, tlsCert, tlsKey    the HTTPS listener (127.0.0.1) and its PEM files
//   hostName           the HostName of the connection string (the token's sr)
//   keyName, key       the shared access policy and its base64 key
//   log                a file that gets one JSON line per request
//   devices            [{deviceId, connectionState, reported, desired}]: the twins
//   pageSize           items per query page (continuation beyond it)
//   runSeconds         how long a job runs once started (the job moves by time)
//   faults             [{method, path (a prefix), status, retryAfter, count}]: answered instead
// Prints "running" once it listens.
import { createHmac } from 'node:crypto'
import { appendFileSync, readFileSync } from 'node:fs'
import { createServer } from 'node:https'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const jobs = new Map()
const faults = (config.faults || []).map(f => ({ ...f, left: f.count ?? Infinity }))

const isInt = v => Number.isInteger(v)
const isStr = v => typeof v === 'string'
const isObj = v => v !== null && typeof v === 'object' && !Array.isArray(v)

// The token as the reference and the SDKs make it, signed with the known key.
function checkAuthorization (header) {
  if (!isStr(header) || !header.startsWith('SharedAccessSignature ')) return 'Authorization is not a SharedAccessSignature'
  const fields = new URLSearchParams(header.slice('SharedAccessSignature '.length))
  const names = [...fields.keys()].sort().join(',')
  if (names !== 'se,sig,skn,sr') return `Authorization has the fields ${names}, not sr, sig, skn, se`
  const sr = fields.get('sr')
  if (sr !== config.hostName) return `Authorization sr is ${sr}, not the host ${config.hostName}`
  if (fields.get('skn') !== config.keyName) return 'unauthorized: skn'
  const se = Number(fields.get('se'))
  if (!isInt(se) || se * 1000 < Date.now()) return 'unauthorized: expired'
  const raw = header.match(/[ &]sr=([^&]*)/)[1]
  const expected = createHmac('sha256', Buffer.from(config.key, 'base64')).update(raw + '\n' + se).digest('base64')
  if (fields.get('sig') !== expected) return 'unauthorized: signature'
  return null
}

function checkJobRequest (id, body) {
  if (!isObj(body)) return 'the body is not a JSON object'
  const allowed = ['jobId', 'type', 'cloudToDeviceMethod', 'updateTwin', 'queryCondition', 'startTime', 'maxExecutionTimeInSeconds']
  for (const k of Object.keys(body)) if (!allowed.includes(k)) return `unknown member ${k}`
  if (body.jobId !== id) return 'jobId differs from the path'
  if (!isStr(body.queryCondition) || body.queryCondition === '') return 'queryCondition must be a string'
  if (!isStr(body.startTime) || Number.isNaN(Date.parse(body.startTime))) return 'startTime must be an ISO 8601 date-time'
  if (!isInt(body.maxExecutionTimeInSeconds)) return 'maxExecutionTimeInSeconds must be an integer'
  if (body.type === 'scheduleDeviceMethod') {
    const m = body.cloudToDeviceMethod
    if (!isObj(m) || !isStr(m.methodName) || m.methodName === '') return 'cloudToDeviceMethod.methodName must be a string'
    for (const k of Object.keys(m)) if (!['methodName', 'payload', 'responseTimeoutInSeconds', 'connectTimeoutInSeconds'].includes(k)) return `unknown member cloudToDeviceMethod.${k}`
    for (const k of ['responseTimeoutInSeconds', 'connectTimeoutInSeconds']) if (k in m && !isInt(m[k])) return `cloudToDeviceMethod.${k} must be an integer`
    if (body.updateTwin !== undefined) return 'updateTwin in a scheduleDeviceMethod job'
  } else if (body.type === 'scheduleUpdateTwin') {
    const t = body.updateTwin
    if (!isObj(t) || !isObj(t.properties) || !isObj(t.properties.desired)) return 'updateTwin.properties.desired must be an object'
    if ('etag' in t && !isStr(t.etag)) return 'updateTwin.etag must be a string'
    if (body.cloudToDeviceMethod !== undefined) return 'cloudToDeviceMethod in a scheduleUpdateTwin job'
  } else {
    return `type ${body.type} is not scheduleDeviceMethod or scheduleUpdateTwin`
  }
  return null
}

// The devices a condition selects: deviceId = '...', deviceId IN [...], anything else all.
function selected (condition) {
  const one = condition.match(/^deviceId\s*=\s*'([^']*)'$/)
  const list = condition.match(/^deviceId\s+IN\s*\[(.*)\]$/i)
  const ids = one ? [one[1]] : list ? [...list[1].matchAll(/'([^']*)'/g)].map(m => m[1]) : null
  return config.devices.filter(d => ids === null || ids.includes(d.deviceId))
}

// A job's state now: scheduled until its start, running for runSeconds, then completed.
function jobResponse (job) {
  const now = Date.now()
  const start = Date.parse(job.request.startTime)
  let status = job.cancelled ? 'cancelled' : now < start ? 'scheduled' : now < start + config.runSeconds * 1000 ? 'running' : 'completed'
  const devices = selected(job.request.queryCondition)
  const done = status === 'completed'
  const response = {
    jobId: job.request.jobId,
    queryCondition: job.request.queryCondition,
    createdTime: job.created,
    startTime: job.request.startTime,
    endTime: done || job.cancelled ? new Date(Math.min(now, start + config.runSeconds * 1000)).toISOString() : '0001-01-01T00:00:00',
    maxExecutionTimeInSeconds: job.request.maxExecutionTimeInSeconds,
    type: job.request.type,
    status,
    deviceJobStatistics: {
      deviceCount: devices.length,
      failedCount: job.cancelled && !done ? devices.length : 0,
      succeededCount: done ? devices.length : 0,
      runningCount: status === 'running' ? devices.length : 0,
      pendingCount: status === 'scheduled' ? devices.length : 0
    }
  }
  if (job.request.cloudToDeviceMethod) response.cloudToDeviceMethod = job.request.cloudToDeviceMethod
  if (job.request.updateTwin) response.updateTwin = job.request.updateTwin
  return { status, devices, response }
}

function deviceJobs (jobId) {
  const job = jobs.get(jobId)
  if (!job) return []
  const { status, devices, response } = jobResponse(job)
  return devices.map(d => {
    const item = {
      deviceId: d.deviceId,
      jobId,
      jobType: response.type,
      status: status === 'completed' ? 'completed' : status === 'cancelled' ? 'canceled' : status === 'running' ? 'running' : 'scheduled',
      startTimeUtc: response.startTime,
      endTimeUtc: status === 'completed' ? response.endTime : '0001-01-01T00:00:00',
      createdDateTimeUtc: job.created,
      lastUpdatedDateTimeUtc: new Date().toISOString()
    }
    if (status === 'completed' && response.type === 'scheduleDeviceMethod') {
      item.outcome = { deviceMethodResponse: { status: 200, payload: { Response: `${job.request.cloudToDeviceMethod.methodName} called successfully` } } }
    }
    return item
  })
}

function page (items, req, res) {
  const from = Number(req.headers['x-ms-continuation'] || 0)
  const size = config.pageSize || 100
  const headers = { 'Content-Type': 'application/json; charset=utf-8' }
  if (from + size < items.length) headers['x-ms-continuation'] = String(from + size)
  return { headers, items: items.slice(from, from + size) }
}

function handle (req, url, body) {
  const params = [...url.searchParams.keys()]
  if (url.searchParams.get('api-version') !== '2021-04-12') return [400, 'api-version must be 2021-04-12']
  const auth = checkAuthorization(req.headers.authorization)
  if (auth?.startsWith('unauthorized')) return [401, auth]
  if (auth) return [400, auth]
  const hasBody = body.length > 0
  let json
  if (hasBody) {
    if (!/^application\/json(; *charset=utf-8)?$/i.test(req.headers['content-type'] || '')) return [400, 'Content-Type must be application/json']
    try { json = JSON.parse(body) } catch { return [400, 'the body is not JSON'] }
  }
  const onlyApiVersion = params.length === 1
  let m
  if (req.method === 'GET' && url.pathname === '/jobs/v2/query') {
    if (!params.every(p => ['api-version', 'jobType', 'jobStatus'].includes(p))) return [400, 'unknown query parameter']
    if (hasBody) return [400, 'a body on GET']
    const items = [...jobs.values()].map(j => jobResponse(j).response)
    const p = page(items, req)
    return [200, { type: 'jobResponse', items: p.items, continuationToken: p.headers['x-ms-continuation'] ?? null }, p.headers]
  }
  if (!onlyApiVersion) return [400, 'query parameters other than api-version']
  if ((m = url.pathname.match(/^\/jobs\/v2\/([A-Za-z0-9-]{1,64})$/))) {
    const id = m[1]
    if (req.method === 'PUT') {
      const problem = checkJobRequest(id, json)
      if (problem) return [400, problem]
      if (jobs.has(id)) return [409, `ErrorCode:JobAlreadyExists;A job with id ${id} exists`]
      jobs.set(id, { request: json, created: new Date().toISOString(), cancelled: false })
      return [200, jobResponse(jobs.get(id)).response]
    }
    if (req.method === 'GET') {
      if (hasBody) return [400, 'a body on GET']
      if (!jobs.has(id)) return [404, `ErrorCode:JobNotFound;Job ${id} not found`]
      return [200, jobResponse(jobs.get(id)).response]
    }
    return [405, 'method not allowed']
  }
  if ((m = url.pathname.match(/^\/jobs\/v2\/([A-Za-z0-9-]{1,64})\/cancel$/)) && req.method === 'POST') {
    if (hasBody) return [400, 'a body on cancel']
    const job = jobs.get(m[1])
    if (!job) return [404, `ErrorCode:JobNotFound;Job ${m[1]} not found`]
    if (jobResponse(job).status !== 'completed') job.cancelled = true
    return [200, jobResponse(job).response]
  }
  if (url.pathname === '/devices/query' && req.method === 'POST') {
    if (!isObj(json) || !isStr(json.query) || Object.keys(json).length !== 1) return [400, 'the body must be {"query": "..."}']
    const jobQuery = json.query.match(/^SELECT \* FROM devices\.jobs WHERE devices\.jobs\.jobId = '([A-Za-z0-9-]+)'$/)
    let items
    if (jobQuery) {
      items = deviceJobs(jobQuery[1])
    } else {
      const where = json.query.match(/^SELECT \* FROM devices(?: WHERE (.*))?$/)
      if (!where) return [400, 'a query door-scheduler does not send']
      items = (where[1] ? selected(where[1]) : config.devices).map(d => ({
        deviceId: d.deviceId, etag: 'AAAAAAAAAAE=', deviceEtag: 'MzQ1MjA3Nzcy', status: 'enabled', statusUpdateTime: '0001-01-01T00:00:00Z',
        connectionState: d.connectionState, lastActivityTime: '2026-11-29T08:00:00.0000000Z', cloudToDeviceMessageCount: 0,
        authenticationType: 'sas', x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null }, version: 4,
        properties: { desired: d.desired, reported: d.reported }, capabilities: { iotEdge: false }
      }))
    }
    const p = page(items, req)
    return [200, p.items, p.headers]
  }
  return [404, 'no such resource']
}

const server = createServer({ cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }, (req, res) => {
  const chunks = []
  req.on('data', c => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url, 'https://' + (req.headers.host || 'unknown'))
    const fault = faults.find(f => f.left > 0 && f.method === req.method && url.pathname.startsWith(f.path))
    let [status, answer, headers] = fault ? [fault.status, `ErrorCode:Injected;fault ${fault.status}`] : handle(req, url, body)
    const entry = { method: req.method, path: url.pathname, query: url.search, headers: req.headers, body, status }
    if (fault) {
      fault.left -= 1
      entry.fault = true
      headers = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {}
    } else if (status === 400) {
      entry.violation = answer
    }
    appendFileSync(config.log, JSON.stringify(entry) + '\n')
    const text = status >= 300 ? JSON.stringify({ Message: answer, ExceptionMessage: 'Tracking ID:0-G:0' }) : JSON.stringify(answer)
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...(headers || {}) })
    res.end(text)
  })
})
server.listen(config.port, '127.0.0.1', () => console.log('running'))
