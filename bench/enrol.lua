-- wrk script: each request enrols the next (lawyer, session) pair through the real view.
-- bench/run.py passes the CSRF token and a file of "cookie<TAB>path" lines (var/bench/enrol-pairs.txt).
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

-- The summary line is the one every run prints (bench/report.lua); wrk runs from the repository root.
dofile("bench/report.lua")
