-- wrk script for the long run of `make bench --long SECONDS` (scripts/bench.py): every
-- connection walks through a list of paths (one per line, in the file named by the first
-- script argument), each thread from a different starting point, so the whole site is hit
-- the whole time. The report at the end is bench_wrk.lua's done().

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "bench_wrk.lua")

local requests = {}
local position = 0
local threads_set_up = 0

-- setup() runs in wrk's main Lua state; thread:set() hands each thread its number (a global
-- in that thread's own state, read by init()).
function setup(thread)
  thread:set("bench_thread", threads_set_up)
  threads_set_up = threads_set_up + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      requests[#requests + 1] = wrk.format(nil, line)
    end
  end
  position = (bench_thread or 0) * 7919 % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end
