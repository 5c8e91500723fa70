-- wrk script: the verification requests of bench/verify.lua, counting the answers that are 503 (bench/run.py's
-- statement-timeout row, where every look-up waits on a lock past WEB_STATEMENT_TIMEOUT and should be one).
dofile("bench/verify.lua")

local threads, verify_setup = {}, setup
refused = 0  -- in each thread's own Lua state: its 503 answers

setup = function(thread)
  verify_setup(thread)
  table.insert(threads, thread)
end

response = function(status)
  if status == 503 then
    refused = refused + 1
  end
end

done = function(summary, latency)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("refused")
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, "s503": %d, "p50": %d, "p95": %d, "p99": %d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, total, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
