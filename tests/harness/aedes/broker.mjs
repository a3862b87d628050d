// A second MQTT broker for the tests: Aedes (Node.js), with what the Mosquitto harness gives a
// broker-dialect test. Usage: node broker.mjs CONFIG.json, where the file names
//   port       TLS, the devices' user names and passwords (passwords: {user: password})
//   certPort   TLS with required client certificates (CN = user name)
//   servicePort  TLS, the scheduler's user name and password (servicePasswords: {user: password})
// On port and certPort a client id must be the user name (Mosquitto's use_username_as_clientid
// forces it; here another is refused), so no device can take another's id, or a scheduler's, and
// knock it off; on servicePort, where no device's credentials work, client ids are free.
//   maxPacketSize  Mosquitto's max_packet_size: a bigger packet closes its sender's connection
//   ca, cert, key   PEM files of the test PKI
//   acl        the Mosquitto ACL file to enforce (deploy/mosquitto/door-acl.conf)
//   retainedFile    where retained messages are kept across a restart; absent: kept in memory only
//   noDelay    Nagle off on every connection (Mosquitto's set_tcp_nodelay)
// Prints "running" once every listener listens.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:tls'

import { Aedes } from 'aedes'
import memory from 'aedes-persistence'
import Packet from 'aedes-packet'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))

// As Mosquitto, the packet's size is its remaining length and command byte, checked before its
// payload is read. Aedes' parser (mqtt-packet) has no limit of its own.
const Parser = createRequire(import.meta.url)('mqtt-packet/parser.js')
const parseLength = Parser.prototype._parseLength
Parser.prototype._parseLength = function () {
  if (!parseLength.call(this)) return false
  if (this.packet.length + 1 <= config.maxPacketSize) return true
  this._emitError(new Error('packet of ' + this.packet.length + ' bytes over maxPacketSize'))
  return false
}

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
const serviceConnections = new WeakSet() // connections to servicePort
function refuse (done, returnCode, message) {
  const error = new Error(message)
  error.returnCode = returnCode
  done(error, false)
}
broker.authenticate = (client, username, password, done) => {
  const certificateUser = identities.get(client.conn)
  if (certificateUser !== undefined) {
    if (client.id !== certificateUser) return refuse(done, 2, 'client id is not the user name')
    return done(null, true)
  }
  const service = serviceConnections.has(client.conn)
  const expected = (service ? config.servicePasswords : config.passwords)[username]
  const ok = expected !== undefined && password !== undefined && password.toString() === expected
  if (!ok) return refuse(done, 4, 'bad user name or password')
  if (!service && client.id !== username) return refuse(done, 2, 'client id is not the user name')
  identities.set(client.conn, username)
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
const serviceServer = createServer(tlsOptions, (socket) => {
  serviceConnections.add(socket)
  broker.handle(socket)
})
const servers = [[passwordServer, config.port], [certServer, config.certPort], [serviceServer, config.servicePort]]
for (const [server] of servers) {
  server.on('tlsClientError', () => {})
}
await Promise.all(servers.map(([server, port]) => new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))))
console.log('aedes ' + broker.id + ' running')
process.on('SIGTERM', () => process.exit(0))
