-- Shared by the benchmark's wrk scripts (loaded with dofile): keeps the
-- threads, and done() prints one line "BENCH_JSON {...}" with exact
-- latency percentiles (microseconds), the error counts, and the counters
-- each thread kept in the globals named in bench_counters (numbers or
-- tables of numbers, summed over threads).
bench_threads = {}
bench_counters = bench_counters or {}

function setup(thread)
  table.insert(bench_threads, thread)
  thread:set("thread_index", #bench_threads)
end

local function encode(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
    return string.format("%.6g", v)
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "table" then
    local parts = {}
    for k, x in pairs(v) do
      parts[#parts + 1] = encode(tostring(k)) .. ":" .. encode(x)
    end
    table.sort(parts)
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end

local function add(into, v)
  if type(v) == "number" then return (into or 0) + v end
  if type(v) == "table" then
    into = type(into) == "table" and into or {}
    for k, x in pairs(v) do into[k] = add(into[k], x) end
    return into
  end
  return into
end

function done(summary, latency, requests)
  local counters = {}
  for _, t in ipairs(bench_threads) do
    for _, name in ipairs(bench_counters) do
      counters[name] = add(counters[name], t:get(name))
    end
  end
  local pct = {}
  for _, p in ipairs({50, 75, 90, 99, 99.9, 99.99}) do
    pct[tostring(p)] = latency:percentile(p)
  end
  io.write("BENCH_JSON ", encode({
    duration_us = summary.duration,
    requests = summary.requests,
    bytes = summary.bytes,
    errors = summary.errors,
    latency_us = {min = latency.min, max = latency.max, mean = latency.mean,
                  stdev = latency.stdev, percentiles = pct},
    counters = counters,
  }), "\n")
end
