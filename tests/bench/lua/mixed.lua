-- The mixed load: of every 20 requests, 18 read the dashboard summary
-- (anonymous), 1 reads a KPI list page (anonymous), 1 PUTs a reading with a
-- submitter token (as put_readings.lua): 95% reads, 5% durable writes.
--   wrk ... -s mixed.lua URL -- TOKENS_FILE QUARTER SUMMARY_PATH LIST_PATH
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "put_readings.lua")
bench_counters = {"writes", "summaries", "lists"}
-- Statuses are not collected here: a response() hook makes wrk copy every
-- body into Lua, which costs the client CPU the server shares. wrk still
-- counts statuses above 399 as errors.
response = nil

local base_init = init
function init(args)
  base_init(args)
  summary_req = wrk.format("GET", args[3])
  list_req = wrk.format("GET", args[4])
  summaries, lists, n = 0, 0, 0
end

function request()
  n = n + 1
  local r = n % 20
  if r == 0 then
    return put_reading()
  elseif r == 10 then
    lists = lists + 1
    return list_req
  end
  summaries = summaries + 1
  return summary_req
end
