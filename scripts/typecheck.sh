#!/usr/bin/env bash
# Type-checks tests/types/merchant.ts (a merchant page using every SDK feature) against
# www/widget/v1/maven.d.ts with tsc --strict. Its `@ts-expect-error` lines are mistakes the
# declarations must reject: tsc fails on any that compiles.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/tsc -p tests/types/tsconfig.json
echo "maven.d.ts: tests/types/merchant.ts type-checks under --strict"
