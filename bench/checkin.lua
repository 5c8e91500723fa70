-- wrk script: lawyer after lawyer opens the check-in URL the projector's QR code holds (one session).
-- bench/run.py passes the URL path (with a fresh token) and a file of the lawyers' session cookies,
-- more lawyers than a run reaches, so every request is a first check-in.
local cookies, path, counter = {}, nil, 0

init = function(args)
  path = args[1]
  for line in io.lines(args[2]) do
    table.insert(cookies, line)
  end
  counter = tonumber(args[3] or "0")
end

request = function()
  counter = counter + 1
  return wrk.format("GET", path, {["Cookie"] = cookies[(counter % #cookies) + 1]})
end

dofile("bench/report.lua")
