#!/usr/bin/env bash
# Refill day, end to end, against a running demo server:
#
#   API=http://127.0.0.1:5099/graphql KEY=hk_... ./refill-day.sh
#
# 1. looks up ids through the API (viewer, pharmacies, patients, catalog);
# 2. builds a 20-patient cart for the Seattle clinic in ONE cartLinesAdd call: 21 lines (one patient's medication
#    entered twice), one seeded problem per preflight rule, the rest good; two lines ship to the clinic and share
#    one shipment;
# 3. validates and prints each line's issues, and checks that every rule fired on its line and nowhere else;
# 4. fixes every problem in place with ONE cartLinesUpdate call and removes the duplicate line;
# 5. validates again and prints that the cart is checkoutReady, with its totals by pharmacy;
# 6. checks the cart out with ONE cartCheckout call on the sandbox gateway: pm_card_chargeDeclined first (the
#    order is PAYMENT_FAILED with its reason, the cart is OPEN again with the same lines), then, after validating
#    again, pm_card_visa with a new idempotency key (order SUBMITTED + AUTHORIZED, a number per line, a new empty
#    cart), then the same call with the same key again (the same order: idempotent); looks both orders up by number.
#
# Exits non-zero when a request fails, a mutation answers userErrors, an expected issue is missing (or an
# unexpected error appears), the final validation still has errors, or checkout does not behave as above, so it
# doubles as an end-to-end check. It runs once per database: the orders it places make the same patients'
# products DUPLICATE_FILL until their days supply runs out (a second run stops with a message saying so).
# Patients are printed by external id only: no names, no dates of birth, no directions.
# Needs bash, curl and jq. The GraphQL documents come from ../operations.
set -euo pipefail

API="${API:-http://127.0.0.1:5099/graphql}"
KEY="${KEY:-${HEADLESS_API_KEY:-}}"
CLINIC_NAME="${CLINIC_NAME:-Evergreen Seattle Clinic}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OPS="${OPS:-$HERE/../operations}"

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

[[ -n "$KEY" ]] || fail "set KEY to an API key (hk_...), e.g. KEY=hk_0123abcd_demo-key-for-local-use-only"
command -v curl >/dev/null || fail "curl is required"
command -v jq >/dev/null || fail "jq is required"

# gql OPERATION VARIABLES_JSON: runs ../operations/OPERATION.graphql and prints its "data".
# Fails on a non-200 answer or any top-level GraphQL error.
gql() {
  local response status
  response=$(jq -n --rawfile query "$OPS/$1.graphql" --argjson variables "$2" '{query: $query, variables: $variables}' |
    curl -sS -w '\n%{http_code}' "$API" \
      -H 'Content-Type: application/json' \
      -H 'Accept: application/graphql-response+json' \
      -H "Authorization: Bearer $KEY" \
      --data-binary @-) || fail "$1: could not reach $API"
  status=${response##*$'\n'}
  response=${response%$'\n'*}
  [[ "$status" == 200 ]] || fail "$1: HTTP $status: $response"
  jq -e 'has("errors") | not' <<<"$response" >/dev/null || fail "$1: $(jq -c '.errors' <<<"$response")"
  jq '.data' <<<"$response"
}

# no_user_errors DATA FIELD: fails when DATA.FIELD.userErrors is not empty.
no_user_errors() {
  jq -e --arg f "$2" '.[$f].userErrors | length == 0' <<<"$1" >/dev/null ||
    fail "$2 answered userErrors: $(jq -c --arg f "$2" '.[$f].userErrors' <<<"$1")"
}

# Shared jq helpers: money formatting, column padding, short pharmacy names.
JQ_LIB='
  def money: (if .currencyCode == "USD" then "$" else .currencyCode + " " end)
    + (.amount / 100 | floor | tostring) + "." + (.amount % 100 | tostring | if length < 2 then "0" + . else . end);
  def pad($n): tostring | if length >= $n then .[0:$n] else . + (" " * ($n - length)) end;
  def lpad($n): tostring | if length >= $n then . else (" " * ($n - length)) + . end;
  def short: sub(" (Compounding Pharmacy|Apothecary|Wellness Compounding)$"; "");
'

# ---------------------------------------------------------------------------------------------- the plan
# One entry per cart line, in the order they are sent. "expect" is the ERROR code seeded on the line (null for a
# good line); "fix" is what the single cartLinesUpdate changes ("remove" for the duplicate line). Names refer to
# the demo data and are resolved to ids below. A line without "pharmacy" is routed by the clinic's preference
# (Seattle: CHEAPEST).
PLAN=$(cat <<'JSON'
[
  {"patient": "EVG-0001", "product": "Semaglutide 2.5 mg/mL", "pharmacy": "Cascade Compounding Pharmacy", "prescriber": "Brooks",
   "quantity": 1, "daysSupply": 84, "sig": "Inject 0.25 mg subcutaneously once weekly",
   "shipTo": {"line1": "1420 Fifth Avenue", "line2": "Suite 800", "city": "Seattle", "state": "WA", "zip": "98101"}},
  {"patient": "EVG-0008", "product": "Semaglutide 2.5 mg/mL", "pharmacy": "Cascade Compounding Pharmacy", "prescriber": "Brooks",
   "quantity": 1, "daysSupply": 84, "sig": "Inject 0.25 mg subcutaneously once weekly",
   "expect": "PHARMACY_NOT_LICENSED", "why": "Cascade does not ship to TX",
   "fix": {"pharmacy": "Lone Star Apothecary"}},
  {"patient": "EVG-0004", "product": "NAD+ 200 mg/mL", "pharmacy": "Cascade Compounding Pharmacy", "prescriber": "Brooks",
   "quantity": 2, "daysSupply": 120, "sig": "Inject 100 mg subcutaneously twice weekly",
   "expect": "QUANTITY_LIMIT", "why": "120 days supply, at most 90 per line",
   "fix": {"daysSupply": 60}},
  {"patient": "EVG-0017", "product": "Progesterone (micronized) 100 mg", "pharmacy": "Atlantic Wellness Compounding", "prescriber": "Ortiz",
   "quantity": 1, "daysSupply": 30, "sig": "Take 1 capsule by mouth at bedtime",
   "expect": "PRESCRIBER_NOT_LICENSED", "why": "Dr. Ortiz's NY license expired",
   "fix": {"prescriber": "Whitfield"}},
  {"patient": "EVG-0009", "product": "Semaglutide 2.5 mg/mL", "pharmacy": "Lone Star Apothecary", "prescriber": "Whitfield",
   "quantity": 1, "daysSupply": 84, "sig": "Inject 0.25 mg subcutaneously once weekly"},
  {"patient": "EVG-0021", "product": "Testosterone cypionate 200 mg/mL", "pharmacy": "Lone Star Apothecary", "prescriber": "Natarajan",
   "quantity": 1, "daysSupply": 84, "sig": "Inject 100 mg intramuscularly once weekly",
   "expect": "DEA_REQUIRED", "why": "schedule III, Natarajan NP has no DEA number",
   "fix": {"prescriber": "Whitfield"}},
  {"patient": "EVG-0013", "product": "Tirzepatide 10 mg/mL", "pharmacy": "Lone Star Apothecary", "prescriber": "Whitfield",
   "quantity": 1, "daysSupply": 56, "sig": "Inject 2.5 mg subcutaneously once weekly",
   "expect": "OUT_OF_STOCK", "why": "Lone Star has no tirzepatide in stock",
   "fix": {"pharmacy": "Atlantic Wellness Compounding"}},
  {"patient": "EVG-0022", "product": "Methylcobalamin (B12) 1 mg/mL", "pharmacy": "Atlantic Wellness Compounding", "prescriber": "Natarajan",
   "quantity": 1, "daysSupply": 70, "sig": "Inject 1 mg intramuscularly once weekly",
   "expect": "PRODUCT_UNAVAILABLE", "why": "Atlantic paused its B12 offering",
   "fix": {"pharmacy": "Lone Star Apothecary"}},
  {"patient": "EVG-0002", "product": "Naltrexone (low-dose) 4.5 mg", "pharmacy": "Cascade Compounding Pharmacy", "prescriber": "Brooks",
   "quantity": 1, "daysSupply": 30, "sig": "Take 1 capsule by mouth at bedtime",
   "shipTo": {"line1": "1420 Fifth Avenue", "line2": "Suite 800", "city": "Seattle", "state": "WA", "zip": "9810"},
   "expect": "ADDRESS_INVALID", "why": "ship-to override with a 4-digit ZIP",
   "fix": {"shipTo": {"line1": "1420 Fifth Avenue", "line2": "Suite 800", "city": "Seattle", "state": "WA", "zip": "98101"}}},
  {"patient": "EVG-0026", "product": "Semaglutide 5 mg/mL", "pharmacy": "Lone Star Apothecary", "prescriber": "Brooks",
   "quantity": 1, "daysSupply": 70, "sig": "Inject 0.5 mg once weekly",
   "expect": "SIG_INCOMPLETE", "why": "the directions give no route",
   "fix": {"sig": "Inject 0.5 mg subcutaneously once weekly"}},
  {"patient": "EVG-0031", "product": "Estradiol cypionate 5 mg/mL", "pharmacy": "Atlantic Wellness Compounding", "prescriber": "Natarajan",
   "quantity": 1, "daysSupply": 90,
   "expect": "REQUIRED_FIELD_MISSING", "why": "no directions (SIG)",
   "fix": {"sig": "Inject 5 mg intramuscularly every 2 weeks"}},
  {"patient": "EVG-0009", "product": "Semaglutide 2.5 mg/mL", "pharmacy": "Atlantic Wellness Compounding", "prescriber": "Whitfield",
   "quantity": 1, "daysSupply": 84, "sig": "Inject 0.25 mg subcutaneously once weekly",
   "expect": "DUPLICATE_FILL", "why": "EVG-0009 already has semaglutide on line 4",
   "fix": "remove"},
  {"patient": "EVG-0005", "product": "Tirzepatide 10 mg/mL", "prescriber": "Brooks",
   "quantity": 1, "daysSupply": 56, "sig": "Inject 2.5 mg subcutaneously once weekly"},
  {"patient": "EVG-0024", "product": "Testosterone cypionate 200 mg/mL", "prescriber": "Ortiz",
   "quantity": 1, "daysSupply": 84, "sig": "Inject 100 mg intramuscularly once weekly"},
  {"patient": "EVG-0029", "product": "Sermorelin acetate 3 mg/mL", "prescriber": "Brooks",
   "quantity": 1, "daysSupply": 30, "sig": "Inject 0.3 mg subcutaneously at bedtime"},
  {"patient": "EVG-0033", "product": "Glutathione 200 mg/mL", "prescriber": "Whitfield",
   "quantity": 1, "daysSupply": 50, "sig": "Inject 200 mg intramuscularly twice weekly"},
  {"patient": "EVG-0035", "product": "Finasteride / minoxidil 0.1% / 5%", "pharmacy": "Atlantic Wellness Compounding", "prescriber": "Natarajan",
   "quantity": 1, "daysSupply": 30, "sig": "Apply 1 mL topically to the scalp twice daily"},
  {"patient": "EVG-0037", "product": "Lipo-C (MIC + B12) MIC 25/50/50 mg/mL, B12 1 mg/mL", "pharmacy": "Cascade Compounding Pharmacy", "prescriber": "Brooks",
   "quantity": 1, "daysSupply": 30, "sig": "Inject 1 mL intramuscularly once weekly"},
  {"patient": "EVG-0018", "product": "Oxytocin 10 units/mL", "pharmacy": "Atlantic Wellness Compounding", "prescriber": "Whitfield",
   "quantity": 1, "daysSupply": 30, "sig": "Inject 10 units subcutaneously once daily"},
  {"patient": "EVG-0014", "product": "Semaglutide 5 mg/mL", "pharmacy": "Lone Star Apothecary", "prescriber": "Ortiz",
   "quantity": 1, "daysSupply": 70, "sig": "Inject 0.5 mg subcutaneously once weekly"},
  {"patient": "EVG-0027", "product": "Progesterone (micronized) 100 mg", "prescriber": "Brooks",
   "quantity": 1, "daysSupply": 30, "sig": "Take 1 capsule by mouth at bedtime"}
]
JSON
)

# ---------------------------------------------------------------------------------------------- 1. ids
echo "== Looking up ids at $API"
VIEWER=$(gql viewer '{}')
PHARMACIES=$(gql pharmacies '{}')
PATIENTS=$(gql patients '{"first": 40}')
CATALOG=$(gql catalog '{"first": 100}')

CLINIC_ID=$(jq -r --arg n "$CLINIC_NAME" '.viewer.organization.clinics.nodes[] | select(.name == $n) | .id' <<<"$VIEWER")
[[ -n "$CLINIC_ID" ]] || fail "no clinic named '$CLINIC_NAME' (is this the demo organization?)"

# Name -> id maps, from the API answers.
REFS=$(jq -n \
  --argjson viewer "$VIEWER" --argjson pharmacies "$PHARMACIES" --argjson patients "$PATIENTS" --argjson catalog "$CATALOG" '{
    prescribers: ($viewer.viewer.organization.prescribers.nodes | map({key: .lastName, value: .id}) | from_entries),
    pharmacies: ($pharmacies.pharmacies | map({key: .name, value: .id}) | from_entries),
    patients: ($patients.patients.edges | map(.node | select(.externalId != null) | {key: .externalId, value: .id}) | from_entries),
    products: ($catalog.catalog.edges | map(.node.product | {key: "\(.name) \(.strength)", value: .id}) | from_entries)
  }')

# Every name the plan uses must resolve.
MISSING=$(jq -r --argjson refs "$REFS" '
  def need($kind; $name): if $name == null or $refs[$kind][$name] != null then empty else "\($kind) \($name)" end;
  [ .[] | need("patients"; .patient), need("products"; .product), need("prescribers"; .prescriber),
          need("pharmacies"; .pharmacy), (.fix | objects | need("pharmacies"; .pharmacy), need("prescribers"; .prescriber)) ]
  | unique | join(", ")' <<<"$PLAN")
[[ -z "$MISSING" ]] || fail "not found through the API: $MISSING"
echo "   clinic $CLINIC_NAME, $(jq '.prescribers | length' <<<"$REFS") prescribers, $(jq '.pharmacies | length' <<<"$REFS") pharmacies, $(jq '.patients | length' <<<"$REFS") patients, $(jq '.products | length' <<<"$REFS") products"

# ---------------------------------------------------------------------------------------------- 2. the cart
CART=$(gql cart "$(jq -n --arg c "$CLINIC_ID" '{clinicId: $c, first: 100}')")
CART_ID=$(jq -r '.cart.id' <<<"$CART")
VERSION=$(jq -r '.cart.version' <<<"$CART")

# Start from an empty cart so the script can run again (leftover lines would merge quantities).
while [[ $(jq -r '.cart.lineCount' <<<"$CART") -gt 0 ]]; do
  LEFT=$(jq -c '[.cart.lines.nodes[].id]' <<<"$CART")
  echo "   emptying $(jq length <<<"$LEFT") line(s) left in the cart by an earlier run"
  OUT=$(gql cartLinesRemove "$(jq -n --arg c "$CART_ID" --argjson ids "$LEFT" --argjson v "$VERSION" '{cartId: $c, lineIds: $ids, expectedVersion: $v}')")
  no_user_errors "$OUT" cartLinesRemove
  CART=$(gql cart "$(jq -n --arg c "$CLINIC_ID" '{clinicId: $c, first: 100}')")
  VERSION=$(jq -r '.cart.version' <<<"$CART")
done

LINES=$(jq --argjson refs "$REFS" '
  map({patientId: $refs.patients[.patient], productId: $refs.products[.product]}
      + (if .pharmacy then {pharmacyId: $refs.pharmacies[.pharmacy]} else {} end)
      + (if .prescriber then {prescriberId: $refs.prescribers[.prescriber]} else {} end)
      + (if .quantity then {quantity} else {} end)
      + (if .daysSupply then {daysSupply} else {} end)
      + (if .sig then {sig} else {} end)
      + (if .shipTo then {shipTo} else {} end))' <<<"$PLAN")

echo
echo "== cartLinesAdd: $(jq length <<<"$LINES") lines for $(jq '[.[].patient] | unique | length' <<<"$PLAN") patients in one call (cart $CART_ID, version $VERSION)"
ADDED=$(gql cartLinesAdd "$(jq -n --arg c "$CLINIC_ID" --argjson lines "$LINES" --argjson v "$VERSION" '{clinicId: $c, lines: $lines, expectedVersion: $v, first: 100}')")
no_user_errors "$ADDED" cartLinesAdd
VERSION=$(jq -r '.cartLinesAdd.cart.version' <<<"$ADDED")
[[ $(jq -r '.cartLinesAdd.cart.lineCount' <<<"$ADDED") -eq $(jq length <<<"$PLAN") ]] ||
  fail "the cart holds $(jq -r '.cartLinesAdd.cart.lineCount' <<<"$ADDED") lines, expected $(jq length <<<"$PLAN")"

# Plan index -> line id: patient + product + pharmacy is unique in a cart (adding the same triple merges).
INDEX=$(jq -n --argjson plan "$PLAN" --argjson lines "$LINES" --argjson cart "$ADDED" '
  [ range(0; $plan | length) as $i
    | $lines[$i] as $in
    | [ $cart.cartLinesAdd.cart.lines.nodes[]
        | select(.patient.id == $in.patientId and .product.id == $in.productId
                 and ($in.pharmacyId == null or .pharmacy.id == $in.pharmacyId)) ]
    | if length == 1 then .[0].id else error("line \($i) matches \(length) cart lines") end ]') ||
  fail "could not match the cart's lines to the plan"
echo "   cart version $VERSION; routed by the clinic's preference:"
jq -r --argjson plan "$PLAN" --argjson index "$INDEX" "$JQ_LIB"'
  .cartLinesAdd.cart.lines.nodes as $nodes
  | range(0; $plan | length) as $i | select($plan[$i].pharmacy == null)
  | ($nodes[] | select(.id == $index[$i])) as $l
  | "   \($i | lpad(2))  \($l.patient.externalId)  \($l.product.name | pad(24)) \($l.pharmacy.name | short | pad(10)) \($l.routingReason)"' <<<"$ADDED"

# print_table VALIDATE_DATA: one row per plan line, in plan order (removed lines are skipped).
print_table() {
  jq -r --argjson plan "$PLAN" --argjson index "$INDEX" "$JQ_LIB"'
    (.cartValidate.cart.lines.nodes | map({key: .id, value: .}) | from_entries) as $byId
    | ("  #  patient   product                  pharmacy   ship-to  shipping     landed  seeded                   errors reported          warnings"),
      ("  -  --------  -----------------------  ---------  -------  --------  ---------  -----------------------  -----------------------  --------"),
      ( range(0; $plan | length) as $i
        | $byId[$index[$i]] // empty
        | ([.issues[] | select(.severity == "ERROR") | .code] | unique) as $errors
        | ([.issues[] | select(.severity == "WARNING") | .code] | unique) as $warnings
        | "\($i | lpad(3))  \(.patient.externalId | pad(8))  \(.product.name | pad(23))  \(.pharmacy.name | short | pad(9))  \(if .shipToOverridden then "other" else "patient" end | pad(7))  \(.shippingShare | money | lpad(8))  \(.landedCost | money | lpad(9))  \($plan[$i].expect // "-" | pad(23))  \(if $errors == [] then "-" else $errors | join(",") end | pad(23))  \(if $warnings == [] then "-" else $warnings | join(",") end)" )' <<<"$1"
}

# ---------------------------------------------------------------------------------------------- 3. validate
echo
echo "== cartValidate (version $VERSION)"
FIRST=$(gql cartValidate "$(jq -n --arg c "$CART_ID" '{cartId: $c, first: 100}')")
no_user_errors "$FIRST" cartValidate
jq -r '.cartValidate.validation | "   \(.errorCount) errors, \(.warningCount) warnings at cart version \(.cartVersion); passed: \(.passed)"' <<<"$FIRST"
jq -r '.cartValidate.cart | "   checkoutReady: \(.checkoutReady)"' <<<"$FIRST"
echo
print_table "$FIRST"

# Every seeded code must be on its line, alone; good lines must have no errors.
MISMATCHES=$(jq -r --argjson plan "$PLAN" --argjson index "$INDEX" '
  (.cartValidate.cart.lines.nodes | map({key: .id, value: .}) | from_entries) as $byId
  | range(0; $plan | length) as $i
  | ([$byId[$index[$i]].issues[] | select(.severity == "ERROR") | .code] | unique) as $errors
  | ($plan[$i].expect | if . then [.] else [] end) as $want
  | select($errors != $want)
  | "line \($i) (\($plan[$i].patient)): expected \($want | if . == [] then "no errors" else join(",") end), got \($errors | if . == [] then "none" else join(",") end)"' <<<"$FIRST")
# The checkout at the end places real orders: until their days supply runs out, the same patients' products
# are DUPLICATE_FILL for the whole organization. So a second run on the same database cannot pass this check.
EARLIER_FILL=$(jq -r '[.cartValidate.cart.lines.nodes[].issues[] | select(.code == "DUPLICATE_FILL" and (.message | startswith("Order line ")))] | first | .message // empty' <<<"$FIRST")
[[ -z "$EARLIER_FILL" ]] ||
  fail "the demo organization already has this refill day's orders (DUPLICATE_FILL: $EARLIER_FILL). The script checks the cart out, so it runs once per database: start the server on a fresh database."
[[ -z "$MISMATCHES" ]] || fail "$(printf 'the first validation did not report what was seeded:\n%s' "$MISMATCHES")"
echo
echo "   every rule fired on its seeded line, and only there:"
jq -r --argjson plan "$PLAN" --argjson index "$INDEX" "$JQ_LIB"'
  (.cartValidate.cart.lines.nodes | map({key: .id, value: .}) | from_entries) as $byId
  | range(0; $plan | length) as $i | select($plan[$i].expect)
  | ($byId[$index[$i]].issues[] | select(.severity == "ERROR")) as $issue
  | "\($i | lpad(5))  \($issue.code | pad(23))  field \($issue.field | join(".") | pad(13)) \($issue.message)"' <<<"$FIRST"

# ---------------------------------------------------------------------------------------------- 4. fix
VERSION=$(jq -r '.cartValidate.cart.version' <<<"$FIRST")
UPDATES=$(jq --argjson refs "$REFS" --argjson index "$INDEX" '
  [ to_entries[] | select(.value.fix | type == "object")
    | {lineId: $index[.key]}
      + (.value.fix
         | (if .pharmacy then {pharmacyId: $refs.pharmacies[.pharmacy]} else {} end)
         + (if .prescriber then {prescriberId: $refs.prescribers[.prescriber]} else {} end)
         + (if .quantity then {quantity} else {} end)
         + (if .daysSupply then {daysSupply} else {} end)
         + (if .sig then {sig} else {} end)
         + (if .shipTo then {shipTo} else {} end)) ]' <<<"$PLAN")
REMOVE=$(jq --argjson index "$INDEX" '[to_entries[] | select(.value.fix == "remove") | $index[.key]]' <<<"$PLAN")

echo
echo "== cartLinesUpdate: $(jq length <<<"$UPDATES") lines fixed in one call (expectedVersion $VERSION)"
UPDATED=$(gql cartLinesUpdate "$(jq -n --arg c "$CART_ID" --argjson lines "$UPDATES" --argjson v "$VERSION" '{cartId: $c, lines: $lines, expectedVersion: $v, first: 100}')")
no_user_errors "$UPDATED" cartLinesUpdate
VERSION=$(jq -r '.cartLinesUpdate.cart.version' <<<"$UPDATED")
jq -r '
  to_entries[] | select(.value.fix | type == "object")
  | .value.fix as $fix
  | "   line \(.key): \(.value.expect) -> \($fix | to_entries | map(.key + " " + (
      if .key == "sig" then "completed"            # directions are PHI: say that they changed, not what they say
      elif .key == "shipTo" then "zip " + .value.zip
      else .value | tostring end)) | join(", "))"' <<<"$PLAN"

echo "== cartLinesRemove: the duplicate line (expectedVersion $VERSION)"
REMOVED=$(gql cartLinesRemove "$(jq -n --arg c "$CART_ID" --argjson ids "$REMOVE" --argjson v "$VERSION" '{cartId: $c, lineIds: $ids, expectedVersion: $v}')")
no_user_errors "$REMOVED" cartLinesRemove
VERSION=$(jq -r '.cartLinesRemove.cart.version' <<<"$REMOVED")
jq -r '.cartLinesRemove.cart | "   \(.lineCount) lines, \(.patientCount) patients, version \(.version), checkoutReady \(.checkoutReady) (not validated since the edit)"' <<<"$REMOVED"

# ---------------------------------------------------------------------------------------------- 5. validate again
echo
echo "== cartValidate (version $VERSION)"
FINAL=$(gql cartValidate "$(jq -n --arg c "$CART_ID" '{cartId: $c, first: 100}')")
no_user_errors "$FINAL" cartValidate
jq -r '.cartValidate.validation | "   \(.errorCount) errors, \(.warningCount) warnings at cart version \(.cartVersion); passed: \(.passed)"' <<<"$FINAL"
echo
print_table "$FINAL"

jq -e '.cartValidate.validation.errorCount == 0 and .cartValidate.validation.passed' <<<"$FINAL" >/dev/null ||
  fail "the final validation still has $(jq -r '.cartValidate.validation.errorCount' <<<"$FINAL") error(s)"
jq -e '.cartValidate.validation.current and .cartValidate.cart.checkoutReady' <<<"$FINAL" >/dev/null ||
  fail "the cart is not checkoutReady after a clean validation"
EXPECTED_LINES=$(jq '[.[] | select(.fix != "remove")] | length' <<<"$PLAN")
[[ $(jq -r '.cartValidate.cart.lineCount' <<<"$FINAL") -eq $EXPECTED_LINES ]] ||
  fail "the cart holds $(jq -r '.cartValidate.cart.lineCount' <<<"$FINAL") lines, expected $EXPECTED_LINES"

echo
jq -r "$JQ_LIB"'.cartValidate.cart
  | "== Cart \(.id) is checkoutReady: \(.checkoutReady) (version \(.version), \(.lineCount) lines, \(.patientCount) patients)",
    "",
    "   pharmacy                        lines  shipments   subtotal   shipping      total",
    ( .pharmacyTotals[]
      | "   \(.pharmacy.name | pad(30))  \(.lineCount | lpad(5))  \(.shipmentCount | lpad(9))  \(.subtotal | money | lpad(9))  \(.shipping | money | lpad(9))  \(.total | money | lpad(9))" ),
    "   \("cart" | pad(30))  \(.lineCount | lpad(5))  \("" | lpad(9))  \(.totals.subtotal | money | lpad(9))  \(.totals.shipping | money | lpad(9))  \(.totals.total | money | lpad(9))"' <<<"$FINAL"

# ---------------------------------------------------------------------------------------------- 6. checkout
# One cartCheckout call checks out the whole cart with one payment, on the sandbox gateway (no Stripe key):
# first with a card that declines, then with one that is approved, then the approved call again (a retry).
# Each attempt has its own idempotency key; a retry of one attempt sends the same key again.
RUN="${RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}"
DECLINED_KEY="refill-day-$RUN-1"
APPROVED_KEY="refill-day-$RUN-2"
CART_LINE_IDS=$(jq -c '[.cartValidate.cart.lines.nodes[].id] | sort' <<<"$FINAL")
CART_TOTAL=$(jq -c '.cartValidate.cart.totals.total' <<<"$FINAL")

# checkout VERSION PAYMENT_METHOD IDEMPOTENCY_KEY: runs cartCheckout and prints its data.
checkout() {
  gql cartCheckout "$(jq -n --arg c "$CART_ID" --argjson v "$1" --arg pm "$2" --arg k "$3" \
    '{input: {cartId: $c, expectedVersion: $v, paymentMethodId: $pm, idempotencyKey: $k}, first: 100}')"
}

echo
echo "== cartCheckout with pm_card_chargeDeclined (expectedVersion $VERSION, idempotencyKey $DECLINED_KEY)"
DECLINED=$(checkout "$VERSION" pm_card_chargeDeclined "$DECLINED_KEY")
jq -r '.cartCheckout
  | "   order \(.order.number // "none"): \(.order.status // "-"), payment \(.order.paymentStatus // "-"), reason \(.order.paymentFailure.code // "-"): \(.order.paymentFailure.message // "-")",
    ( .userErrors[] | "   userError \(.code) at \(.field // [] | join(".")): \(.message)" )' <<<"$DECLINED"
jq -e '.cartCheckout | [.userErrors[].code] == ["PAYMENT_DECLINED"]' <<<"$DECLINED" >/dev/null ||
  fail "a declined card should answer exactly one PAYMENT_DECLINED userError, got $(jq -c '.cartCheckout.userErrors' <<<"$DECLINED")"
jq -e '.cartCheckout.order | .status == "PAYMENT_FAILED" and .paymentStatus == "FAILED" and .paymentFailure.code == "card_declined"
        and ([.lines.nodes[].status] | unique) == ["PAYMENT_FAILED"]' <<<"$DECLINED" >/dev/null ||
  fail "the declined order should be PAYMENT_FAILED (payment FAILED, card_declined), got $(jq -c '.cartCheckout.order | {number, status, paymentStatus, paymentFailure}' <<<"$DECLINED")"
jq -e --arg id "$CART_ID" --argjson ids "$CART_LINE_IDS" '.cartCheckout.cart
        | .id == $id and .status == "OPEN" and .lineCount == ($ids | length) and ([.lines.nodes[].id] | sort) == $ids' <<<"$DECLINED" >/dev/null ||
  fail "after the decline the cart should be $CART_ID, OPEN, with the same $(jq length <<<"$CART_LINE_IDS") lines, got $(jq -c '.cartCheckout.cart | {id, status, lineCount}' <<<"$DECLINED")"
DECLINED_NUMBER=$(jq -r '.cartCheckout.order.number' <<<"$DECLINED")
NEW_VERSION=$(jq -r '.cartCheckout.cart.version' <<<"$DECLINED")
jq -r --arg v "$VERSION" '.cartCheckout.cart
  | "   cart \(.id): \(.status) again with the same \(.lineCount) lines (same line ids); version \($v) -> \(.version), checkoutReady \(.checkoutReady)"' <<<"$DECLINED"
VERSION=$NEW_VERSION

echo
echo "== cartValidate again before retrying (version $VERSION)"
AGAIN=$(gql cartValidate "$(jq -n --arg c "$CART_ID" '{cartId: $c, first: 100}')")
no_user_errors "$AGAIN" cartValidate
jq -r '"   \(.cartValidate.validation.errorCount) errors, \(.cartValidate.validation.warningCount) warnings at cart version \(.cartValidate.validation.cartVersion); checkoutReady: \(.cartValidate.cart.checkoutReady)"' <<<"$AGAIN"
jq -e '.cartValidate.validation.errorCount == 0 and .cartValidate.cart.checkoutReady' <<<"$AGAIN" >/dev/null ||
  fail "the cart is not checkoutReady after the declined payment"
VERSION=$(jq -r '.cartValidate.cart.version' <<<"$AGAIN")

echo
echo "== cartCheckout with pm_card_visa (expectedVersion $VERSION, idempotencyKey $APPROVED_KEY)"
APPROVED=$(checkout "$VERSION" pm_card_visa "$APPROVED_KEY")
no_user_errors "$APPROVED" cartCheckout
ORDER_ID=$(jq -r '.cartCheckout.order.id' <<<"$APPROVED")
ORDER_NUMBER=$(jq -r '.cartCheckout.order.number' <<<"$APPROVED")
jq -r "$JQ_LIB"'.cartCheckout.order
  | "   order \(.number): \(.status), payment \(.paymentStatus), total \(.total | money) (captured \(.capturedAmount | money) so far; capture by \(.captureDeadline[0:10]) at the latest)",
    "",
    "   line          patient   product                  pharmacy   status     payment      amount",
    "   ------------  --------  -----------------------  ---------  ---------  ----------  --------",
    ( .lines.nodes[]
      | "   \(.number | pad(12))  \(.patient.externalId | pad(8))  \(.product.name | pad(23))  \(.pharmacy.name | short | pad(9))  \(.status | pad(9))  \(.paymentStatus | pad(10))  \(.amount | money | lpad(8))" )' <<<"$APPROVED"
[[ "$ORDER_NUMBER" =~ ^HX-[0-9]+$ ]] || fail "unexpected order number '$ORDER_NUMBER'"
[[ "$ORDER_NUMBER" != "$DECLINED_NUMBER" ]] || fail "the new attempt reused the declined order's number $ORDER_NUMBER"
BAD_LINES=$(jq -r --arg n "$ORDER_NUMBER" --argjson count "$(jq length <<<"$CART_LINE_IDS")" '.cartCheckout.order
  | ( if .lineCount != $count or (.lines.nodes | length) != $count then "\(.lineCount) lines, expected \($count)" else empty end ),
    ( .lines.nodes | to_entries[]
      | ("\($n)-" + (.key + 1 | tostring | if length < 2 then "0" + . else . end)) as $want
      | select(.value.number != $want or .value.status != "SUBMITTED" or .value.paymentStatus != "AUTHORIZED")
      | "line \(.value.number) (expected \($want)): \(.value.status), payment \(.value.paymentStatus)" )' <<<"$APPROVED")
[[ -z "$BAD_LINES" ]] || fail "$(printf 'the order lines are not as expected:\n%s' "$BAD_LINES")"
jq -e '.cartCheckout.order | .status == "SUBMITTED" and .paymentStatus == "AUTHORIZED" and .paymentFailure == null' <<<"$APPROVED" >/dev/null ||
  fail "the order should be SUBMITTED and AUTHORIZED, got $(jq -c '.cartCheckout.order | {status, paymentStatus, paymentFailure}' <<<"$APPROVED")"
jq -e --argjson t "$CART_TOTAL" '.cartCheckout.order | .total == $t and ([.lines.nodes[].amount.amount] | add) == $t.amount' <<<"$APPROVED" >/dev/null ||
  fail "the order total $(jq -c '.cartCheckout.order.total' <<<"$APPROVED") is not the validated cart's total $CART_TOTAL (or the lines do not add up to it)"
jq -e --arg id "$CART_ID" '.cartCheckout.cart | .id != $id and .status == "OPEN" and .lineCount == 0' <<<"$APPROVED" >/dev/null ||
  fail "after checkout the clinic should have a new, empty, OPEN cart, got $(jq -c '.cartCheckout.cart | {id, status, lineCount}' <<<"$APPROVED")"
jq -r '.cartCheckout.cart | "   the clinic has a new, empty cart: \(.id), \(.status), \(.lineCount) lines"' <<<"$APPROVED"

echo
echo "== cartCheckout again with the same idempotencyKey $APPROVED_KEY (a retry)"
RETRY=$(checkout "$VERSION" pm_card_visa "$APPROVED_KEY")
no_user_errors "$RETRY" cartCheckout
jq -r "$JQ_LIB"'.cartCheckout.order | "   order \(.number): \(.status), payment \(.paymentStatus), total \(.total | money)"' <<<"$RETRY"
jq -e --arg id "$ORDER_ID" --arg n "$ORDER_NUMBER" --argjson t "$CART_TOTAL" '.cartCheckout.order
        | .id == $id and .number == $n and .status == "SUBMITTED" and .paymentStatus == "AUTHORIZED" and .total == $t' <<<"$RETRY" >/dev/null ||
  fail "the retry should return order $ORDER_NUMBER unchanged, got $(jq -c '.cartCheckout.order | {number, status, paymentStatus, total}' <<<"$RETRY")"
echo "   the same order, not a second one: the retry is idempotent"

echo
echo "== order(number) finds both orders"
for n in "$ORDER_NUMBER" "$DECLINED_NUMBER"; do
  FOUND=$(gql order "$(jq -n --arg n "$n" '{number: $n, first: 100}')")
  jq -e --arg n "$n" '.order.number == $n' <<<"$FOUND" >/dev/null || fail "order(number: \"$n\") did not find the order"
  jq -r "$JQ_LIB"'.order | "   \(.number): \(.status), payment \(.paymentStatus)\(if .paymentFailure then " (" + .paymentFailure.code + ")" else "" end), \(.lineCount) lines, total \(.total | money)"' <<<"$FOUND"
done

echo
echo "OK"
