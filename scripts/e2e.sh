#!/usr/bin/env bash
# End-to-end suites, run by `make e2e` under scripts/with-edge.sh (which exports MAVEN_*).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
echo "== API end-to-end tests (node --test) against $MAVEN_BASE_URL"
# sessions.test.mjs asserts that rejected requests store no session by counting every session in
# KV, so it runs alone first; the other suites (which create sessions) then run side by side.
node --test --test-reporter=spec --test-timeout=180000 tests/e2e/sessions.test.mjs || status=1
# Suites that start edges of their own (tests/e2e/private_edge.mjs: restarts with other keys or
# vars) run last, one at a time, so their wrangler starts do not slow the shared edge's timed
# fault tests.
private=(tests/e2e/keys.test.mjs tests/e2e/stored_urls.test.mjs)
others=()
for f in tests/e2e/*.test.mjs; do
  case " tests/e2e/sessions.test.mjs ${private[*]} " in *" $f "*) ;; *) others+=("$f") ;; esac
done
node --test --test-reporter=spec --test-concurrency=4 --test-timeout=180000 "${others[@]}" || status=1
node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 "${private[@]}" || status=1
echo "== schemathesis against $MAVEN_BASE_URL/openapi.json"
bash tests/schemathesis.sh || status=1
if [ -d tests/browser ] && ls tests/browser/*.test.mjs >/dev/null 2>&1; then
  echo "== widget tests in headless Chromium"
  node --test --test-reporter=spec --test-concurrency=1 --test-timeout=300000 tests/browser/*.test.mjs || status=1
fi
exit $status
