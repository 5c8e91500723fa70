-- wrk script: the public verification page, each request another certificate's code from another
-- address (X-Forwarded-For, as the proxy in front would pass it; the bench trusts one proxy), as when
-- many people check the certificates they were shown. Each address looks up once, far below the limit
-- of 30 look-ups a minute; a refused look-up (429) would count as an error.
local codes, counter, made = {}, 0, 0

setup = function(thread)
  thread:set("id", made)  -- each wrk thread uses addresses of its own
  made = made + 1
end

init = function(args)
  for line in io.lines(args[1]) do
    table.insert(codes, line)
  end
end

request = function()
  counter = counter + 1
  local headers = {["X-Forwarded-For"] = string.format("10.%d.%d.%d", id, math.floor(counter / 256) % 256,
    counter % 256)}
  for name, value in pairs(wrk.headers) do  -- the Accept headers bench/run.py gives every page
    headers[name] = value
  end
  return wrk.format("GET", "/certificates/verify/" .. codes[(counter % #codes) + 1] .. "/", headers)
end

dofile("bench/report.lua")
