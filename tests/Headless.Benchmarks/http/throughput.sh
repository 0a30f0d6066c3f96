#!/usr/bin/env bash
# Builds the API in Release, starts it on a fresh SQLite file with the demo data and the rate limits off, and measures
# the catalog and a 40-line cart read with autocannon (throughput.mjs). Usage: throughput.sh [--seconds 15] [--connections 10]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../../.."
work="$(mktemp -d)"
port="${HEADLESS_PORT:-5099}"
key="hk_0123abcd_throughput-key-for-local-use-only"

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
dotnet build -c Release -v q "$root/src/Headless" >/dev/null

Headless__Demo__ApiKey="$key" Headless__RateLimits__Enabled=false \
Headless__Database__ConnectionString="Data Source=$work/throughput.db" \
Logging__LogLevel__Default=Warning ASPNETCORE_URLS="http://127.0.0.1:$port" \
  dotnet "$root/src/Headless/bin/Release/net10.0/Headless.dll" >"$work/api.log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break
  kill -0 $api 2>/dev/null || { cat "$work/api.log"; exit 1; }
  sleep 0.5
done

HEADLESS_URL="http://127.0.0.1:$port" HEADLESS_API_KEY="$key" node "$here/throughput.mjs" "$@"
