-- wrk script: print one JSON line with throughput and latency percentiles (microseconds).
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "rps": %.1f, "p50_us": %d, "p95_us": %d, "p99_us": %d, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status))
end
