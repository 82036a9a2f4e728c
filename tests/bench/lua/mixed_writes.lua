-- Scenario 4's writes, run beside mixed_reads.lua: PUT readings as
-- put_readings.lua does (tokens split per thread, each on its own KPIs), at a
-- steady pace of WRITES_PER_S over all threads, not as fast as the server
-- answers, so that the write load does not depend on how fast the reads go.
--   BENCH_THREADS=T wrk -tT ... -s mixed_writes.lua URL -- TOKENS_FILE QUARTER WRITES_PER_S
--
-- wrk's delay() hook runs before a connection sends its next request; wrk
-- starts the request's clock after the delay, so a write's latency is the
-- server's answer time alone. Each thread hands out send times on a fixed
-- grid (its share of the rate) to whichever of its connections asks next: a
-- connection waits for the next free slot, or sends at once when the thread
-- is behind (then the connections in flight bound how far the load can lag;
-- the report compares the writes done with the pace asked for).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "put_readings.lua")
bench_counters = {"writes", "statuses", "behind"}

local ffi = require("ffi") -- wrk runs LuaJIT: a monotonic clock in milliseconds
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local base_init = init
function init(args)
  base_init(args)
  local rate = tonumber(args[3])
  assert(rate and rate > 0, "WRITES_PER_S must be a positive number")
  interval_ms = 1000 / (rate / tonumber(os.getenv("BENCH_THREADS") or "2"))
  next_slot = nil
  behind = 0 -- writes sent at once because their slot was already due (the pace was behind)
end

function delay()
  local now = now_ms()
  if next_slot == nil then next_slot = now end
  local wait = next_slot - now
  next_slot = next_slot + interval_ms
  if wait <= 0 then
    behind = behind + 1
    return 0
  end
  return math.floor(wait + 0.5)
end
