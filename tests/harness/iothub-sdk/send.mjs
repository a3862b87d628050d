// The official IoT Hub service SDK (azure-iothub) sending jobs and queries, for the differential
// check against door-scheduler: both talk to the contract server, whose request logs are compared.
// Usage: node send.mjs CONNECTION_STRING OPERATIONS.json, each operation one of
//   {"op":"scheduleDeviceMethod","jobId","query","method":{methodName,payload,responseTimeoutInSeconds},"start","maxExecutionTimeInSeconds"}
//   {"op":"scheduleTwinUpdate","jobId","query","patch","start","maxExecutionTimeInSeconds"}
//   {"op":"getJob","jobId"}  {"op":"cancelJob","jobId"}  {"op":"query","query"} (every page)
//   {"op":"jobs"} (JobClient.createQuery, every page)
// The CA comes from NODE_EXTRA_CA_CERTS. Prints "done", or the failure and exits 1.
import { readFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { connect } from 'node:tls'

import iothub from 'azure-iothub'

const [connectionString, operationsFile] = process.argv.slice(2)
const operations = JSON.parse(readFileSync(operationsFile, 'utf8'))
const jobClient = iothub.JobClient.fromConnectionString(connectionString)
const registry = iothub.Registry.fromConnectionString(connectionString)

// The SDK hands HostName to https.request as the host, so "localhost:PORT" is looked up as a name
// (ENOTFOUND): this agent connects to the port the host names, and the SDK is otherwise untouched.
const hostName = connectionString.match(/HostName=([^;]*)/)[1]
const [name, port] = hostName.split(':')
class HostWithPort extends Agent {
  createConnection (options, callback) {
    return connect({ ...options, host: name, port: Number(port || 443), servername: name }, callback)
  }
}
const options = { http: { agent: new HostWithPort() } }
jobClient._restApiClient.setOptions(options)
registry._restApiClient.setOptions(options)

async function allPages (query) {
  const items = []
  while (query.hasMoreResults) {
    // The promise form of next() pages only with the token passed in (without one it starts over).
    const { result } = await query.next(query.continuationToken)
    items.push(result)
  }
  return items
}

try {
  for (const o of operations) {
    const start = o.start ? new Date(o.start) : undefined
    if (o.op === 'scheduleDeviceMethod') {
      await jobClient.scheduleDeviceMethod(o.jobId, o.query, o.method, start, o.maxExecutionTimeInSeconds)
    } else if (o.op === 'scheduleTwinUpdate') {
      await jobClient.scheduleTwinUpdate(o.jobId, o.query, o.patch, start, o.maxExecutionTimeInSeconds)
    } else if (o.op === 'getJob') {
      await jobClient.getJob(o.jobId)
    } else if (o.op === 'cancelJob') {
      await jobClient.cancelJob(o.jobId)
    } else if (o.op === 'query') {
      await allPages(registry.createQuery(o.query))
    } else if (o.op === 'jobs') {
      await allPages(jobClient.createQuery())
    } else {
      throw new Error('unknown operation ' + o.op)
    }
  }
  console.log('done')
} catch (e) {
  console.log('failed: ' + e.message)
  process.exit(1)
}
