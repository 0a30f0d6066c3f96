// Follows one order line with the graphql-ws client, as README "Subscriptions" describes, printing one JSON line per
// change: node follow-line.mjs URL API_KEY LINE_ID [AFTER_CURSOR]
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, apiKey, lineId, after] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${apiKey}` },
  retryAttempts: 0,
});

const query = `subscription($lineId: ID!, $after: String) {
  orderLineStatusChanged(lineId: $lineId, after: $after) { previousStatus status sequence cursor line { number status } }
}`;

console.log(JSON.stringify({ subscribing: true }));
for await (const result of client.iterate({ query, variables: { lineId, after: after || null } })) {
  if (result.errors) {
    console.log(JSON.stringify({ errors: result.errors }));
    process.exit(1);
  }

  console.log(JSON.stringify(result.data.orderLineStatusChanged));
}
