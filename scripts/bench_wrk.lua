-- wrk script for `make bench` (scripts/bench.py): one URL, one JSON line at the end.
--
-- done() prints a line starting with BENCH_JSON: requests/s, latency percentiles (ms),
-- bytes per response (headers included, as wrk reads them) and errors. wrk counts a response
-- with a status of 400 or more as a status error, so a 404 or 500 from a page that should
-- answer 200 shows up there; scripts/bench.py also checks each URL's status before loading it.
-- No request() or response() function: wrk sends its one pre-built request, at full speed.

local function ms(microseconds)
  return microseconds / 1000.0
end

function done(summary, latency, requests)
  local n = summary.requests
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local rate = 0
  local per_response = 0
  if seconds > 0 then rate = n / seconds end
  if n > 0 then per_response = summary.bytes / n end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_s": %.3f, "requests_per_s": %.2f, "bytes": %d, '
      .. '"bytes_per_response": %.1f, "latency_ms": {"mean": %.3f, "stdev": %.3f, "max": %.3f, '
      .. '"p50": %.3f, "p90": %.3f, "p95": %.3f, "p99": %.3f}, "errors": {"connect": %d, '
      .. '"read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    n, seconds, rate, summary.bytes, per_response,
    ms(latency.mean), ms(latency.stdev), ms(latency.max),
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(95)),
    ms(latency:percentile(99)),
    e.connect, e.read, e.write, e.status, e.timeout))
end
