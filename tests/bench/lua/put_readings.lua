-- Durable writes: PUT /api/v1/kpis/{id}/readings/{quarter} with submitter
-- tokens, each token on its own organisation's KPIs.
--   wrk ... -s put_readings.lua URL -- TOKENS_FILE QUARTER
-- TOKENS_FILE has one line per submitter token: "TOKEN ID ID ID ...".
-- wrk's Lua has no per-connection hook, so the split is per thread: thread i
-- of n takes tokens i, i+n, i+2n, ... and every request takes the next of its
-- tokens and that token's next KPI, so no two threads (and no two tokens)
-- ever write the same KPI.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
bench_counters = {"writes", "statuses"}

function load_tokens(file, index, nthreads)
  local all, sets = {}, {}
  for line in io.lines(file) do
    local token, ids = nil, {}
    for word in line:gmatch("%S+") do
      if token == nil then token = word else ids[#ids + 1] = word end
    end
    if token ~= nil and #ids > 0 then
      all[#all + 1] = {token = "Bearer " .. token, ids = ids, next = 0}
    end
  end
  assert(#all > 0, "no tokens in " .. file)
  for i, set in ipairs(all) do
    if (i - 1) % nthreads == index - 1 then sets[#sets + 1] = set end
  end
  if #sets == 0 then -- more threads than tokens: share one
    sets[1] = all[(index - 1) % #all + 1]
  end
  return sets
end

function init(args)
  quarter = args[2]
  sets = load_tokens(args[1], thread_index, tonumber(os.getenv("BENCH_THREADS") or "2"))
  writes, statuses, turn = 0, {}, 0
end

function put_reading()
  turn = turn + 1
  local s = sets[(turn % #sets) + 1]
  s.next = s.next % #s.ids + 1
  writes = writes + 1
  local v = (writes * 7 + thread_index) % 1000 / 10
  local body = string.format(
    '{"value":%.1f,"value_text":"%.1f%%","rating":"%s","comment":"bench write %d/%d"}',
    v, v, ({"G", "A", "R"})[writes % 3 + 1], thread_index, writes)
  return wrk.format("PUT", "/api/v1/kpis/" .. s.ids[s.next] .. "/readings/" .. quarter,
                    {["Authorization"] = s.token, ["Content-Type"] = "application/json"}, body)
end

function request()
  return put_reading()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
