#!/usr/bin/env bash
# Adds an EF Core migration for every database provider (SQLite, PostgreSQL, SQL Server).
#
#   .ci/migrations-add.sh NAME      add migration NAME to Data/Migrations/{Sqlite,Postgres,SqlServer}
#   .ci/migrations-add.sh --reset   delete the three migration folders and regenerate a single "Initial"
#
# Run it whenever the model (HeadlessDbContext, ProviderContexts, EntityConfigurations, entities) changes;
# Headless.Tests.Data.MigrationTests fails while any provider has pending model changes.
# Needs dotnet-ef 10.0.15 (installed globally on first use).
set -euo pipefail

usage() { echo "usage: $0 NAME | --reset" >&2; exit 2; }
[[ $# -eq 1 ]] || usage

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
project="src/Headless"
ef_version="10.0.15"

export PATH="$PATH:${DOTNET_TOOLS_PATH:-$HOME/.dotnet/tools}"
if ! command -v dotnet-ef >/dev/null 2>&1 || [[ "$(dotnet-ef --version 2>/dev/null | tail -n 1)" != "$ef_version"* ]]; then
  dotnet tool update --global dotnet-ef --version "$ef_version" >/dev/null
fi

providers=(Sqlite Postgres SqlServer)

if [[ "$1" == "--reset" ]]; then
  name="Initial"
  for p in "${providers[@]}"; do
    rm -rf "$project/Data/Migrations/$p"
  done
else
  name="$1"
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "migration name must be a C# identifier: $name" >&2; exit 2; }
fi

dotnet build "$project" --nologo -v quiet -clp:ErrorsOnly

for p in "${providers[@]}"; do
  echo "Adding migration $name for $p"
  dotnet ef migrations add "$name" \
    --project "$project" --startup-project "$project" --no-build \
    --context "${p}HeadlessDbContext" \
    --output-dir "Data/Migrations/$p"
done

# Check that the generated code compiles (warnings are errors in this repository).
dotnet build "$project" --nologo -v quiet -clp:ErrorsOnly
echo "Migration $name added for: ${providers[*]}"
