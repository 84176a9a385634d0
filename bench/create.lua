-- wrk script for `make bench` (bench/load.sh): POST a session create with the bench's API key
-- (BENCH_KEY) and print one JSON line with the totals and latency percentiles (microseconds).
-- BENCH_GET=1: plain GETs instead (the fixed per-request cost, on /health).
if os.getenv("BENCH_GET") ~= "1" then
  wrk.method = "POST"
  wrk.body = '{"project":"demo","amount_cents":1234,"gateway":"stripe"}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "")
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
