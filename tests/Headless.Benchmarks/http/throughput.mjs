// HTTP throughput of two reads a storefront makes all day: the catalog page and a clinic's 40-line cart with every line
// field. Needs a running API (throughput.sh starts one) and an API key of the demo organization.
//
//   HEADLESS_URL=http://127.0.0.1:5099 HEADLESS_API_KEY=hk_... node throughput.mjs [--seconds 15] [--connections 10]
//
// The API's per-credential rate limit must be off for the run (Headless__RateLimits__Enabled=false): a refused request
// is not throughput. Any non-2xx answer or GraphQL error fails the run.
import autocannon from 'autocannon';

const url = (process.env.HEADLESS_URL ?? 'http://127.0.0.1:5099').replace(/\/$/, '') + '/graphql';
const key = process.env.HEADLESS_API_KEY;
if (!key) {
  console.error('Set HEADLESS_API_KEY to a key of the demo organization.');
  process.exit(2);
}

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const seconds = arg('seconds', 15);
const connections = arg('connections', 10);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };

async function graphql(query, variables = {}) {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (!response.ok || body.errors) {
    throw new Error(`${response.status}: ${JSON.stringify(body).slice(0, 1000)}`);
  }
  return body.data;
}

const CATALOG = `query Catalog { catalog(shipToState: "TX", first: 50) { totalCount nodes { id product { name strength form } pharmacy { name turnaroundDays } unitPrice { amount currencyCode } stock } } }`;
const CART = `query Cart($clinicId: ID!) {
  cart(clinicId: $clinicId) {
    id version lineCount patientCount checkoutReady
    totals { subtotal { amount } shipping { amount } total { amount } }
    pharmacyTotals { pharmacy { name } lineCount shipmentCount total { amount } }
    latestValidation { cartVersion current errorCount warningCount passed }
    lines(first: 40) { totalCount nodes { id quantity sig daysSupply routingReason shipToOverridden
      patient { id firstName lastName } product { id name } pharmacy { id name } prescriber { id }
      shipTo { state zip } unitPrice { amount } lineTotal { amount } shippingShare { amount } landedCost { amount }
      issues { code severity field message } } }
  }
}`;

// A 40-line cart in the demo's first clinic: one line per demo patient, validated so the issues are stored and read.
const setup = await graphql(`{ viewer { organization { clinics(first: 1) { nodes { id } } prescribers(first: 1) { nodes { id } } } }
  patients(first: 40) { nodes { id } } catalog(shipToState: "TX", first: 1) { nodes { id } } }`);
const clinicId = setup.viewer.organization.clinics.nodes[0].id;
const existing = await graphql(`query($clinicId: ID!) { cart(clinicId: $clinicId) { id lineCount lines(first: 100) { nodes { id } } } }`, { clinicId });
if (existing.cart && existing.cart.lineCount !== 40) {
  const lineIds = existing.cart.lines.nodes.map((n) => n.id);
  if (lineIds.length > 0) {
    await graphql(`mutation($cartId: ID!, $lineIds: [ID!]!) { cartLinesRemove(cartId: $cartId, lineIds: $lineIds) { userErrors { code } } }`, { cartId: existing.cart.id, lineIds });
  }
}
if (!existing.cart || existing.cart.lineCount !== 40) {
  const lines = setup.patients.nodes.map((p) => ({
    patientId: p.id, offeringId: setup.catalog.nodes[0].id, quantity: 1, sig: 'Inject 0.25 mg subcutaneously once weekly', daysSupply: 28,
    prescriberId: setup.viewer.organization.prescribers.nodes[0].id,
  }));
  const added = await graphql(`mutation($clinicId: ID!, $lines: [CartLineInput!]!) { cartLinesAdd(clinicId: $clinicId, lines: $lines) { cart { id lineCount } userErrors { code message } } }`, { clinicId, lines });
  if (added.cartLinesAdd.userErrors.length > 0) throw new Error(JSON.stringify(added.cartLinesAdd.userErrors));
}
const cart = await graphql(CART, { clinicId });
await graphql(`mutation($cartId: ID!) { cartValidate(cartId: $cartId) { userErrors { code } } }`, { cartId: cart.cart.id });
if ((await graphql(CART, { clinicId })).cart.lines.nodes.length !== 40) throw new Error('The cart does not have 40 lines.');

function run(title, query, variables) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url, connections, duration: seconds, method: 'POST', headers,
      body: JSON.stringify({ query, variables }),
    }, (error, result) => (error ? reject(error) : resolve({ title, result })));
    instance.on('error', reject);
  });
}

const rows = [];
for (const [title, query, variables] of [['catalog (first: 50)', CATALOG, {}], ['cart, 40 lines, every line field', CART, { clinicId }]]) {
  await run(title, query, variables); // warm-up pass, not reported
  const { result } = await run(title, query, variables);
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    console.error(`${title}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts (is the rate limit off?)`);
    process.exit(1);
  }
  rows.push({ title, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, total: result.requests.total });
}

console.log(`\n${connections} connections, ${seconds} s per read, after a warm-up pass of the same length:\n`);
console.log('| read | requests/s | p50 | p99 | max | requests |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.title} | ${r.rps.toFixed(0)} | ${r.p50} ms | ${r.p99} ms | ${r.max} ms | ${r.total} |`);
}
