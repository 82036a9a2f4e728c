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

-- Every request is built in init(), so that the client spends per write what
-- it spends per read (returning a prepared string), not Lua string work the
-- server is then charged for in the mixed scenario. The server's work does
-- not change: the order is the same (tokens in turn, each through its KPIs),
-- and a KPI's value differs from one visit to the next (VARIANTS bodies per
-- KPI, taken in turn).
local VARIANTS = 3

function init(args)
  quarter = args[2]
  sets = load_tokens(args[1], thread_index, tonumber(os.getenv("BENCH_THREADS") or "2"))
  writes, statuses = 0, {}
  local order, longest = {}, 0
  for _, s in ipairs(sets) do longest = math.max(longest, #s.ids) end
  for k = 1, longest do
    for _, s in ipairs(sets) do
      if k <= #s.ids then order[#order + 1] = {s.token, s.ids[k]} end
    end
  end
  prepared = {}
  for v = 1, VARIANTS do
    local list = {}
    for i, o in ipairs(order) do
      local x = ((i * 7 + v * 13 + thread_index) % 1000) / 10
      local body = string.format(
        '{"value":%.1f,"value_text":"%.1f%%","rating":"%s","comment":"bench write %d/%d/%d"}',
        x, x, ({"G", "A", "R"})[(i + v) % 3 + 1], thread_index, i, v)
      list[i] = wrk.format("PUT", "/api/v1/kpis/" .. o[2] .. "/readings/" .. quarter,
                           {["Authorization"] = o[1], ["Content-Type"] = "application/json"}, body)
    end
    prepared[v] = list
  end
  n_prepared = #order
end

function put_reading()
  local i = writes % n_prepared
  local v = (writes - i) / n_prepared % VARIANTS + 1
  writes = writes + 1
  return prepared[v][i + 1]
end

function request()
  return put_reading()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
