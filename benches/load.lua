-- wrk script of benches/load.sh: every request goes out with the cookie of the next logged-in
-- session (round robin over all of them) and asks for that session's next page.
--
-- LOAD_SESSIONS: a file with one line per session: the session cookie's value, a tab, then the
--                session's pages separated by tabs (e.g. /recipients, its 第6表 grid, /jobs).
-- LOAD_THINK_MS: 0 = ask again as soon as the answer arrives (saturation); N = wait between
--                N/2 and 3N/2 ms before each request of a connection (people reading the page).
--
-- done() prints one line for load.sh:
-- RESULT <requests> <req/s> <p50 ms> <p99 ms> <max ms> <socket errors> <answers other than 200>

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local sessions = {}
local counter = 0
local think = 0
not_ok = 0

function init(args)
  for line in io.lines(os.getenv("LOAD_SESSIONS")) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do
      table.insert(fields, field)
    end
    if #fields >= 2 then
      table.insert(sessions, fields)
    end
  end
  think = tonumber(os.getenv("LOAD_THINK_MS") or "0") or 0
  -- Threads start at different sessions.
  counter = id * 17
  math.randomseed(id + 1)
end

function request()
  counter = counter + 1
  local s = sessions[(counter % #sessions) + 1]
  local pages = #s - 1
  local path = s[(math.floor(counter / #sessions) % pages) + 2]
  return wrk.format("GET", path, { ["Cookie"] = "tsunagi_session=" .. s[1] })
end

function delay()
  if think > 0 then
    return math.random(math.floor(think / 2), math.floor(think * 3 / 2))
  end
  return 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("not_ok") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\n",
    summary.requests,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    latency.max / 1000,
    e.connect + e.read + e.write + e.timeout,
    bad
  ))
end
