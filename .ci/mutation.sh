#!/usr/bin/env bash
# Mutation testing with Stryker.NET (local tool, .config/dotnet-tools.json) of one capability or one file of
# src/Headless, against the SQLite tests. Not part of CI: run it for the code you touch (README "Mutation testing").
#
#   .ci/mutation.sh CAPABILITY [options]   mutate src/Headless/CAPABILITY/**/*.cs, e.g. Orders
#   .ci/mutation.sh FILE [options]         mutate one file, e.g. src/Headless/Orders/Lifecycle/LineLifecycle.cs
#
# Options:
#   --tests FILTER      the tests to run, in `dotnet test --filter` syntax
#                       (default: the mirrored test folder, FullyQualifiedName~Headless.Tests.CAPABILITY.)
#   --all-tests         run the whole suite (hours on 2 cores for the busiest files)
#   --concurrency N     parallel test runners (default 1; the machine is usually shared)
#   --level LEVEL       Stryker mutation level (default Standard)
#   -- ARGS...          passed to dotnet stryker as they are
#
# String mutations (message texts) are ignored; see .ci/stryker-config.json. PostgreSQL tests are turned off
# (HEADLESS_TEST_POSTGRES=off). Reports (html, json, cleartext) go to StrykerOutput/<target>-<time>/reports,
# and a one-line score summary per file is printed at the end.
set -euo pipefail

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 && "$1" != -h && "$1" != --help ]] || usage

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

target="$1"
shift
tests=""
concurrency=1
level="Standard"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tests) tests="${2:?--tests needs a filter}"; shift 2 ;;
    --all-tests) tests="*"; shift ;;
    --concurrency) concurrency="${2:?--concurrency needs a number}"; shift 2 ;;
    --level) level="${2:?--level needs a level}"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done

source_root="src/Headless"
if [[ "$target" == *.cs ]]; then
  file="${target#./}"
  file="${file#"$source_root"/}"
  [[ -f "$source_root/$file" ]] || { echo "no such file: $source_root/$file" >&2; exit 2; }
  mutate="**/$source_root/$file"
  capability="${file%%/*}"
  [[ "$capability" != "$file" ]] || capability=""
  label="$(basename "$file" .cs)"
else
  capability="${target%/}"
  capability="${capability#"$source_root"/}"
  [[ "$capability" =~ ^[A-Za-z][A-Za-z0-9]*$ && -d "$source_root/$capability" ]] \
    || { echo "no such capability folder: $source_root/$capability" >&2; exit 2; }
  mutate="**/$source_root/$capability/**/*.cs"
  label="$capability"
fi

if [[ -z "$tests" ]]; then
  [[ -n "$capability" && -d "tests/Headless.Tests/$capability" ]] \
    || { echo "no mirrored test folder tests/Headless.Tests/$capability: pass --tests FILTER or --all-tests" >&2; exit 2; }
  tests="FullyQualifiedName~Headless.Tests.$capability."
fi

# PostgreSQL is off for mutation runs (its test classes skip); the name filter also keeps them out of the report.
export HEADLESS_TEST_POSTGRES=off
unset CI
filter="FullyQualifiedName!~Postgres"
[[ "$tests" == "*" ]] || filter="($tests)&$filter"

output="$repo_root/StrykerOutput/$label-$(date +%Y%m%d-%H%M%S)"
echo "Mutating $mutate with tests $filter -> $output"

dotnet tool restore >/dev/null

started=$SECONDS
(
  cd tests/Headless.Tests
  dotnet stryker \
    --config-file "$repo_root/.ci/stryker-config.json" \
    --project Headless.csproj \
    --mutate "$mutate" \
    --test-case-filter "$filter" \
    --mutation-level "$level" \
    --concurrency "$concurrency" \
    --output "$output" \
    --skip-version-check \
    "${extra[@]}"
)
echo "Stryker took $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"

# The score the README table uses: killed and timed-out mutants over every mutant that ran or was not covered
# (compile errors and ignored mutants, string ones among them, are left out).
report="$output/reports/mutation-report.json"
if [[ -f "$report" ]] && command -v python3 >/dev/null; then
  python3 - "$report" "$repo_root" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
root = sys.argv[2]
for path, data in sorted(report["files"].items()):
    path = path.removeprefix(root + "/")
    counts = {}
    for m in data["mutants"]:
        counts[m["status"]] = counts.get(m["status"], 0) + 1
    killed, survived = counts.get("Killed", 0), counts.get("Survived", 0)
    timeout, nocov = counts.get("Timeout", 0), counts.get("NoCoverage", 0)
    total = killed + survived + timeout + nocov
    if total == 0:
        continue
    score = 100.0 * (killed + timeout) / total if total else 0.0
    print(f"{path}: killed {killed}, survived {survived}, timeout {timeout}, no coverage {nocov}, "
          f"compile errors {counts.get('CompileError', 0)}, ignored {counts.get('Ignored', 0)}: score {score:.1f}%")
    for m in sorted(data["mutants"], key=lambda m: (m["location"]["start"]["line"], m["location"]["start"]["column"])):
        if m["status"] in ("Survived", "NoCoverage"):
            line = m["location"]["start"]["line"]
            print(f"  {m['status']:10} line {line}: {m['mutatorName']}: {m.get('replacement', '')!r}")
PY
fi
