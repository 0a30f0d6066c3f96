// Verifies deliveries captured by a test with the standardwebhooks npm package (an implementation independent of the
// service's). Usage: node verify.mjs cases.json, where the file holds
//   { "now": <unix seconds on the test's clock>, "cases": [ { "secret": "whsec_...", "headers": { ... }, "body": "..." } ] }
// Prints one JSON line per case: {"index": 0, "ok": true} or {"index": 0, "ok": false, "error": "..."}.
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// The package checks webhook-timestamp against Date.now(); the service ran on the test's fake clock.
Date.now = () => input.now * 1000;

input.cases.forEach((c, index) => {
  try {
    new Webhook(c.secret).verify(c.body, c.headers);
    console.log(JSON.stringify({ index, ok: true }));
  } catch (e) {
    console.log(JSON.stringify({ index, ok: false, error: String(e.message ?? e) }));
  }
});
