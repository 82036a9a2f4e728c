-- Scenario 4's reads, run beside mixed_writes.lua (a second wrk process, so
-- that each reports the exact latency distribution of its own requests): of
-- every 19 requests, 18 read the dashboard summary and 1 reads a KPI list
-- page, both anonymous (the reads of a 90% summary, 5% list, 5% write mix).
--   wrk ... -s mixed_reads.lua URL -- SUMMARY_PATH LIST_PATH
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
bench_counters = {"summaries", "lists"}

function init(args)
  summary_req = wrk.format("GET", args[1])
  list_req = wrk.format("GET", args[2])
  summaries, lists, n = 0, 0, 0
end

function request()
  n = n + 1
  if n % 19 == 0 then
    lists = lists + 1
    return list_req
  end
  summaries = summaries + 1
  return summary_req
end
