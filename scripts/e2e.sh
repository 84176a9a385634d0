#!/usr/bin/env bash
# End-to-end suites, run by `make e2e` under scripts/with-edge.sh (which exports MAVEN_*).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
echo "== API end-to-end tests (node --test) against $MAVEN_BASE_URL"
node --test --test-reporter=spec --test-concurrency=4 --test-timeout=180000 tests/e2e/*.test.mjs || status=1
echo "== schemathesis against $MAVEN_BASE_URL/openapi.json"
bash tests/schemathesis.sh || status=1
if [ -d tests/browser ] && ls tests/browser/*.test.mjs >/dev/null 2>&1; then
  echo "== widget tests in headless Chromium"
  node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 tests/browser/*.test.mjs || status=1
fi
exit $status
