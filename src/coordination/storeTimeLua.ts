/**
 * `readStoreTime` of `coordination/StoreTime.ts` in Lua, for the Redis adapters whose scripts
 * keep deadlines in store time (the job queue, the singleton leases): the same rule, one copy.
 *
 * `storeClock(CLOCK)` returns the clock of the store time kept at key CLOCK (a hash: offset,
 * seen). A process's anchor ("at:mono") lives in CLOCK:<pid>, rewritten only when the process
 * lagged behind seen by more than the granule (or had none), and expires a day after, so the
 * anchors of processes long gone do not pile up (a process idle that long starts again from the
 * offset). The clock takes a spec "wall,mono,pid" (Effect `Clock` readings of the caller: time
 * never comes from Redis) and returns wall and store time now; `record` false for reads, which
 * leave the stored record to the writes. It caches what it read for the rest of the script.
 */
import { GRANULE_MS } from "./StoreTime.ts"

export const STORE_TIME_LUA = `
local function storeClock(CLOCK)
  local clockRecord, anchors = nil, {}
  return function(spec, record)
    local w, m, pid = string.match(spec, '^([^,]+),([^,]+),(.+)$')
    local wall, mono = tonumber(w), tonumber(m)
    if not clockRecord then
      local c = redis.call('HMGET', CLOCK, 'offset', 'seen')
      clockRecord = {offset = tonumber(c[1] or '0'), seen = tonumber(c[2] or '0')}
    end
    local a = anchors[pid]
    if a == nil then
      local stored = redis.call('GET', CLOCK .. ':' .. pid)
      a = false
      if stored then
        local at, am = string.match(stored, '^([^:]+):(.+)$')
        a = {at = tonumber(at), mono = tonumber(am)}
      end
    end
    local expected
    if a then expected = a.at + math.max(0, mono - a.mono) else expected = wall + clockRecord.offset end
    local now = math.max(expected, clockRecord.seen)
    if not a or now > expected + ${GRANULE_MS} then
      a = {at = now, mono = mono}
      redis.call('SET', CLOCK .. ':' .. pid, string.format('%.0f:%.0f', now, mono), 'PX', 86400000)
    end
    anchors[pid] = a
    local offset = now - wall
    if record and (now >= clockRecord.seen + ${GRANULE_MS} or math.abs(offset - clockRecord.offset) > ${GRANULE_MS}) then
      clockRecord = {offset = offset, seen = now}
      redis.call('HSET', CLOCK, 'offset', string.format('%.0f', offset), 'seen', string.format('%.0f', now))
    end
    return wall, now
  end
end
`
