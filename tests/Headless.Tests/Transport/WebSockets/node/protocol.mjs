// Close codes as the real graphql-ws client, and raw frames where no well-behaved client would send them, see them.
// node protocol.mjs URL API_KEY: one JSON line per case, {"case": ..., "code": ...}. Before the connection_init timeout
// case it prints {"waiting": "init-timeout"} and the test moves the service's clock.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, apiKey] = process.argv.slice(2);
const report = (name, value) => console.log(JSON.stringify({ case: name, ...value }));

function closedWith(client, run) {
  return new Promise((resolve) => {
    client.on('closed', (event) => resolve(event.code));
    run();
  });
}

// 4403: a credential the service does not know.
{
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: 'Bearer hk_unknown_key' } });
  const code = await closedWith(client, () => client.subscribe({ query: '{ viewer { id } }' }, { next() {}, error() {}, complete() {} }));
  report('forbidden', { code });
}

// A query and a subscription with a good key; then a duplicate operation id (4409).
{
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: `Bearer ${apiKey}` }, generateID: () => 'same' });
  const query = await new Promise((resolve, reject) => {
    let data;
    client.subscribe({ query: '{ viewer { organization { name } } }' }, { next: (r) => (data = r.data), error: reject, complete: () => resolve(data) });
  });
  report('query', { name: query.viewer.organization.name });
  const code = await closedWith(client, () => {
    const sink = { next() {}, error() {}, complete() {} };
    client.subscribe({ query: 'subscription { orderEvents { type } }' }, sink);
    client.subscribe({ query: 'subscription { orderEvents { type } }' }, sink);
  });
  report('duplicate-id', { code });
}

function raw(frames, onOpen) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () => {
      for (const frame of frames) socket.send(frame);
      onOpen?.();
    });
    socket.on('close', (code) => resolve(code));
  });
}

const init = JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${apiKey}` } });
report('subscribe-before-ack', { code: await raw([JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ viewer { id } }' } })]) });
report('second-init', { code: await raw([init, init]) });
report('malformed', { code: await raw(['{ not json']) });
report('init-timeout', { code: await raw([], () => console.log(JSON.stringify({ waiting: 'init-timeout' }))) });
