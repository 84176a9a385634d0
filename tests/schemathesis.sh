#!/usr/bin/env bash
# Property-based API tests from the edge's own /openapi.json: no 5xx, and every response
# (status, content type, body) matches the documented schema.
set -euo pipefail
: "${MAVEN_BASE_URL:?run through scripts/with-edge.sh}"
st run "$MAVEN_BASE_URL/openapi.json" \
  --url "$MAVEN_BASE_URL" \
  --header "Authorization: Bearer $MAVEN_TEST_KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-40}" \
  --request-timeout 10 \
  --generation-deterministic \
  --no-color
