-- wrk script: each request enrols the next (lawyer, session) pair through the real view.
-- bench/run.py writes bench/var/enrol-pairs.txt: one "cookie<TAB>path" per line, and the CSRF token.
local pairs, token, counter = {}, nil, 0

init = function(args)
  token = args[1]
  for line in io.lines(args[2]) do
    local cookie, path = line:match("([^\t]+)\t(.+)")
    table.insert(pairs, {cookie, path})
  end
  counter = tonumber(args[3] or "0")
end

request = function()
  counter = counter + 1
  local pair = pairs[(counter % #pairs) + 1]
  return wrk.format("POST", pair[2], {
    ["Cookie"] = pair[1] .. "; csrftoken=" .. token,
    ["X-CSRFToken"] = token,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "action=enrol")
end

done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, "p50": %d, "p95": %d, "p99": %d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
