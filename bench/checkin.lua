-- wrk script: lawyer after lawyer opens the check-in URL the projector's QR code holds (one session).
-- bench/run.py passes the URL path (with a fresh token) and a file of the lawyers' session cookies;
-- each lawyer checks in once and the run stops there.
local cookies, path, counter = {}, nil, 0

init = function(args)
  path = args[1]
  for line in io.lines(args[2]) do
    table.insert(cookies, line)
  end
  counter = tonumber(args[3] or "0")
end

-- Every lawyer checks in once: the run stops when the last one has.
local answered = 0
response = function(status, headers, body)
  answered = answered + 1
  if answered >= #cookies then wrk.thread:stop() end
end

request = function()
  counter = counter + 1
  return wrk.format("GET", path, {["Cookie"] = cookies[(counter % #cookies) + 1]})
end

dofile("bench/report.lua")
