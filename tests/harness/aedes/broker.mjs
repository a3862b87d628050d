// A second MQTT broker for the tests: Aedes (Node.js), with what the Mosquitto harness gives a
// broker-dialect test. Usage: node broker.mjs CONFIG.json, where the file names
//   port       TLS, user names and passwords (passwords: {user: password})
//   certPort   TLS with required client certificates (CN = user name)
//   ca, cert, key   PEM files of the test PKI
//   acl        the Mosquitto ACL file to enforce (deploy/mosquitto/door-acl.conf)
//   retainedFile    where retained messages are kept across a restart; absent: kept in memory only
//   noDelay    Nagle off on every connection (Mosquitto's set_tcp_nodelay)
// Prints "running" once both listeners listen.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:tls'

import { Aedes } from 'aedes'
import memory from 'aedes-persistence'
import Packet from 'aedes-packet'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))

// The Mosquitto ACL file's rules: "user NAME" starts a user's section, "topic [read|write|readwrite]
// FILTER" applies to that user, "pattern ..." to everyone with %u replaced by the user name.
function readAcl (path) {
  const rules = []
  let user = null
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const words = line.split(/\s+/)
    if (words[0] === 'user') {
      user = words[1]
      continue
    }
    const access = words.length === 3 ? words[1] : 'readwrite'
    const filter = words[words.length - 1]
    rules.push({ kind: words[0], user, access, filter })
  }
  return rules
}
const acl = readAcl(config.acl)

// Whether `filter` (an ACL filter, wildcards allowed) covers `wanted` (a topic, or a subscription
// filter whose wildcards must each be covered by the ACL).
function covers (filter, wanted) {
  const f = filter.split('/')
  const w = wanted.split('/')
  for (let i = 0; i < f.length; ++i) {
    if (f[i] === '#') return true
    if (i >= w.length) return false
    if (f[i] === '+') {
      if (w[i] === '#') return false
      continue
    }
    if (f[i] !== w[i]) return false
  }
  return f.length === w.length
}

function allowed (user, topic, want) {
  if (user === undefined) return false
  return acl.some((rule) => {
    if (rule.kind === 'topic' && rule.user !== user) return false
    if (rule.kind !== 'topic' && rule.kind !== 'pattern') return false
    if (rule.access !== 'readwrite' && rule.access !== want) return false
    const filter = rule.kind === 'pattern' ? rule.filter.replaceAll('%u', user) : rule.filter
    return covers(filter, topic)
  })
}

// Retained messages on disk, as a production broker keeps them (written through on every change).
const persistence = memory()
const retained = new Map()
function saveRetained () {
  const list = [...retained.values()].map((p) => ({ topic: p.topic, qos: p.qos, payload: p.payload.toString('base64') }))
  writeFileSync(config.retainedFile + '.tmp', JSON.stringify(list))
  renameSync(config.retainedFile + '.tmp', config.retainedFile)
}
if (config.retainedFile) {
  const storeRetained = persistence.storeRetained.bind(persistence)
  persistence.storeRetained = (packet, done) => {
    if (packet.payload.length === 0) retained.delete(packet.topic)
    else retained.set(packet.topic, packet)
    saveRetained()
    return storeRetained(packet, done)
  }
}

const broker = await Aedes.createBroker({ persistence })
if (config.retainedFile) {
  let saved = []
  try {
    saved = JSON.parse(readFileSync(config.retainedFile, 'utf8'))
  } catch {}
  for (const s of saved) {
    const packet = new Packet({ cmd: 'publish', topic: s.topic, qos: s.qos, retain: true, payload: Buffer.from(s.payload, 'base64') }, broker)
    await persistence.storeRetained(packet)
  }
}

const identities = new WeakMap() // connection -> user name, once authenticated
broker.authenticate = (client, username, password, done) => {
  const certificateUser = identities.get(client.conn)
  if (certificateUser !== undefined) return done(null, true)
  const expected = config.passwords[username]
  const ok = expected !== undefined && password !== undefined && password.toString() === expected
  if (ok) identities.set(client.conn, username)
  if (!ok) {
    const error = new Error('bad user name or password')
    error.returnCode = 4
    return done(error, false)
  }
  done(null, true)
}
broker.authorizePublish = (client, packet, done) => {
  if (client === null || allowed(identities.get(client.conn), packet.topic, 'write')) return done(null)
  done(new Error('not allowed to publish to ' + packet.topic))
}
// A refused subscription is answered 0x80 (Mosquitto 2.0.11 grants it and then delivers nothing).
broker.authorizeSubscribe = (client, sub, done) => {
  done(null, allowed(identities.get(client.conn), sub.topic, 'read') ? sub : null)
}
// As Mosquitto, each delivered message is checked against the reader's ACL as well.
broker.authorizeForward = (client, packet) => (allowed(identities.get(client.conn), packet.topic, 'read') ? packet : null)

const tlsOptions = {
  ca: readFileSync(config.ca),
  cert: readFileSync(config.cert),
  key: readFileSync(config.key),
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.2',
  noDelay: config.noDelay === true
}
const passwordServer = createServer(tlsOptions, broker.handle)
const certServer = createServer({ ...tlsOptions, requestCert: true, rejectUnauthorized: true }, (socket) => {
  identities.set(socket, socket.getPeerCertificate().subject.CN)
  broker.handle(socket)
})
for (const server of [passwordServer, certServer]) {
  server.on('tlsClientError', () => {})
}
await Promise.all([
  new Promise((resolve) => passwordServer.listen(config.port, '127.0.0.1', resolve)),
  new Promise((resolve) => certServer.listen(config.certPort, '127.0.0.1', resolve))
])
console.log('aedes ' + broker.id + ' running')
process.on('SIGTERM', () => process.exit(0))
