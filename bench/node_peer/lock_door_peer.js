'use strict';
// A peer for the lockDoor round-trip benchmark (bench/peers.cpp): the door-agent's device role
// played by the official Azure IoT device SDK for Node.js (MQTT transport), so the door-agent's
// figures stand beside a reference device's. It answers the `lockDoor` direct method with 200
// {"state":"locked"}.
//
// Usage: node lock_door_peer.js <host> <port> <deviceId>
// TLS is verified as usual: trust a test CA through NODE_EXTRA_CA_CERTS. Prints `ready` once the
// method topic is subscribed (SUBACK received); exits 1 with a one-line reason on error, 0 on SIGTERM.
// A request body must be JSON (e.g. `{}`): the SDK answers 400 to an empty or non-JSON body itself.

const { Client, SharedAccessKeyAuthenticationProvider } = require('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt');

const [host, port, deviceId] = process.argv.slice(2);
if (!host || !/^[0-9]+$/.test(port || '') || !deviceId) {
  process.stderr.write('usage: node lock_door_peer.js <host> <port> <deviceId>\n');
  process.exit(2);
}

function fail(what, err) {
  process.stderr.write(`lock_door_peer: ${what}: ${(err && err.message) || err}\n`);
  process.exit(1);
}

// The MQTT transport connects to 'mqtts://' + (GatewayHostName || HostName), so GatewayHostName
// carries the port; HostName (user name, SAS audience, TLS name) stays the bare host.
const hostPort = (host.includes(':') ? `[${host}]` : host) + ':' + port;
const connectionString = `HostName=${host};DeviceId=${deviceId};` +
  `SharedAccessKey=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=;GatewayHostName=${hostPort}`;

// Built by hand rather than with Client.fromConnectionString so that we hold the transport:
// Client.onDeviceMethod has no completion callback, the transport's enableMethods calls back on SUBACK.
const transport = new Mqtt(SharedAccessKeyAuthenticationProvider.fromConnectionString(connectionString));
const client = new Client(transport);
// Fail fast rather than retry for up to 4 minutes: a benchmark run wants a clear error.
client.setRetryPolicy({ shouldRetry: () => false, nextRetryTimeout: () => 0 });
client.on('error', (err) => fail('client error', err));
client.on('disconnect', (result) => fail('disconnected', (result && result.transportObj) || 'connection lost'));

process.on('SIGTERM', () => {
  client.removeAllListeners('disconnect');
  setTimeout(() => process.exit(0), 1000).unref();
  client.close(() => process.exit(0));
});

client.open((err) => {
  if (err) fail('connect', err);
  transport.enableMethods((subscribeErr) => {
    if (subscribeErr) fail('subscribe', subscribeErr);
    // Already subscribed, so this only adds the handler (no second SUBSCRIBE).
    client.onDeviceMethod('lockDoor', (request, response) => {
      response.send(200, { state: 'locked' }, (sendErr) => { if (sendErr) fail('respond', sendErr); });
    });
    process.stdout.write('ready\n');
  });
});
