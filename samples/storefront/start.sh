#!/usr/bin/env bash
# One command for the whole sample: the partner pharmacy simulator, the Headless API on a fresh SQLite database with
# the demo data (its pharmacies pointed at the simulator, trusting the sample's JWT signing key) and the storefront.
#
#   samples/storefront/start.sh            # build, then serve the app with Vite (hot reload) on http://127.0.0.1:5173
#   samples/storefront/start.sh --e2e      # what the Playwright tests run: no build, the built app (vite preview),
#                                          # other ports, a lifecycle step every second
#
# Ctrl-C stops all three. Settings (environment): API_PORT, SIM_PORT, STOREFRONT_PORT, SIM_STEP (simulator step,
# hh:mm:ss), DATA_DIR (where the database goes; a new temporary folder by default), NO_BUILD=1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODE=dev
[[ "${1:-}" == "--e2e" ]] && MODE=e2e

if [[ $MODE == e2e ]]; then
  API_PORT=${API_PORT:-5297} SIM_PORT=${SIM_PORT:-5296} STOREFRONT_PORT=${STOREFRONT_PORT:-4297}
  SIM_STEP=${SIM_STEP:-00:00:01} NO_BUILD=${NO_BUILD:-1}
else
  API_PORT=${API_PORT:-5099} SIM_PORT=${SIM_PORT:-5090} STOREFRONT_PORT=${STOREFRONT_PORT:-5173}
  SIM_STEP=${SIM_STEP:-00:00:02} NO_BUILD=${NO_BUILD:-0}
fi
export API_PORT SIM_PORT STOREFRONT_PORT

fail() { echo "start.sh: $*" >&2; exit 1; }
command -v dotnet >/dev/null || fail "needs the .NET 10 SDK (dotnet)"
command -v node >/dev/null || fail "needs Node.js 20.19+ and npm"

# The JWT the sample's login issues and the API verifies: one shared HS256 key, issuer and audience.
export HEADLESS_JWT_SIGNING_KEY=${HEADLESS_JWT_SIGNING_KEY:-storefront-demo-signing-key-change-me-0123456789}
export HEADLESS_JWT_ISSUER=${HEADLESS_JWT_ISSUER:-headless-storefront-demo}
export HEADLESS_JWT_AUDIENCE=${HEADLESS_JWT_AUDIENCE:-headless-api}
export HEADLESS_API_ORIGIN="http://127.0.0.1:$API_PORT"

if [[ $NO_BUILD != 1 ]]; then
  echo "== Building the API and the simulator"
  dotnet build "$ROOT/src/Headless/Headless.csproj" -v q -nologo
  dotnet build "$ROOT/samples/PartnerPharmacy/PartnerPharmacy.csproj" -v q -nologo
  [[ -d "$HERE/node_modules" ]] || (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
API_DLL="$ROOT/src/Headless/bin/Debug/net10.0/Headless.dll"
SIM_DLL="$ROOT/samples/PartnerPharmacy/bin/Debug/net10.0/PartnerPharmacy.dll"
[[ -f "$API_DLL" && -f "$SIM_DLL" ]] || fail "build first: dotnet build (from $ROOT)"

DATA_DIR=${DATA_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/headless-storefront.XXXXXX")}
mkdir -p "$DATA_DIR"
echo "== Database and logs in $DATA_DIR"

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() {  # wait_for URL NAME LOG
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "--- $3" >&2; tail -n 40 "$3" >&2
  fail "$2 did not start on $1"
}

(cd "$ROOT/samples/PartnerPharmacy" && exec dotnet "$SIM_DLL" --urls "http://127.0.0.1:$SIM_PORT" --Simulator:StepDelay="$SIM_STEP") \
  >"$DATA_DIR/simulator.log" 2>&1 &
pids+=($!)

# The API runs as in production (introspection for authenticated credentials, rate limits and cost budget at their
# defaults), so the sample is developed and tested under them. The app's origin is allowed for CORS, for a build
# that calls the API cross-origin (VITE_HEADLESS_API_URL); the dev server and vite preview proxy /graphql instead.
(cd "$ROOT/src/Headless" && exec env \
  Headless__Database__Provider=Sqlite \
  Headless__Database__ConnectionString="Data Source=$DATA_DIR/headless.db" \
  Headless__Demo__Seed=true \
  Headless__Demo__PartnerSimulatorUrl="http://127.0.0.1:$SIM_PORT" \
  Headless__Partners__CallbackBaseUrl="http://127.0.0.1:$API_PORT" \
  Headless__Auth__Jwt__SigningKey="$HEADLESS_JWT_SIGNING_KEY" \
  Headless__Auth__Jwt__Issuer="$HEADLESS_JWT_ISSUER" \
  Headless__Auth__Jwt__Audience="$HEADLESS_JWT_AUDIENCE" \
  Headless__Cors__AllowedOrigins__0="http://127.0.0.1:$STOREFRONT_PORT" \
  Headless__Cors__AllowedOrigins__1="http://localhost:$STOREFRONT_PORT" \
  dotnet "$API_DLL" --urls "http://127.0.0.1:$API_PORT") \
  >"$DATA_DIR/api.log" 2>&1 &
pids+=($!)

wait_for "http://127.0.0.1:$SIM_PORT/v1/stats" "the simulator" "$DATA_DIR/simulator.log"
wait_for "http://127.0.0.1:$API_PORT/health/ready" "the API" "$DATA_DIR/api.log"
echo "== API on http://127.0.0.1:$API_PORT/graphql, simulator on http://127.0.0.1:$SIM_PORT (step $SIM_STEP)"

cd "$HERE"
if [[ $MODE == e2e ]]; then
  [[ -f dist/index.html ]] || fail "build the app first: npm run build"
  ./node_modules/.bin/vite preview --port "$STOREFRONT_PORT" --strictPort &
else
  npm run codegen --silent
  echo "== Storefront on http://127.0.0.1:$STOREFRONT_PORT  (sign in as dana or sam, password refill-day)"
  ./node_modules/.bin/vite --port "$STOREFRONT_PORT" --strictPort &
fi
pids+=($!)
wait -n "${pids[@]}"
