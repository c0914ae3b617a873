/**
 * The Lua scripts of `RedisJobQueue` (see its header for the key design). Every state
 * transition is one script (claims and completions: a batch of them), so it is atomic across
 * all processes sharing the Redis.
 *
 * Conventions: KEYS[1] is the ready index (it carries the factory's hash tag, and every other
 * key the script touches shares that tag, so all keys live in one cluster slot); ARGV[1] is the
 * hash-tagged prefix. Time never comes from Redis: callers pass Effect `Clock` readings (a clock
 * spec: wall and monotonic milliseconds and the process's id) and durations as arguments, so
 * `TestClock` drives leases and delays; `queueNow` turns a spec into the stamp people read
 * (wall) and the queue time every deadline is kept in (see `coordination/StoreTime.ts`). The stream
 * commands used here (XREADGROUP without BLOCK, XAUTOCLAIM, XCLAIM, XPENDING, XACK, XDEL,
 * XGROUP) never block, so they are legal inside a script.
 *
 * A job is returned as the 12 fields of `JOB_FIELDS`, in that order (nil for absent ones),
 * except where a script's comment says it answers less (enqueue, claim, complete: their
 * callers know the rest, and whole records were most of what those scripts cost Redis).
 */
import { jobIdOf } from "../domain/Job.ts"
import { TOKEN_GENERATION } from "./JobQueue.ts"
import { STORE_TIME_LUA } from "../coordination/storeTimeLua.ts"

/** `jobIdOf` as a Lua function, derived from the TypeScript one so the two can never disagree. */
const luaJobIdOf = (): string => {
  const marker = "\u0001"
  const number = 987654321
  const sample = jobIdOf(marker, number)
  const [before, rest] = sample.split(marker)
  const [middle, after] = (rest ?? "").split(String(number))
  if (before === undefined || middle === undefined || after === undefined) throw new Error(`cannot derive jobIdOf's shape from '${sample}'`)
  const lit = (s: string) => JSON.stringify(s)
  return `local function jobIdOf(project, n) return ${lit(before)} .. project .. ${lit(middle)} .. n .. ${lit(after)} end`
}

/** A project's stream is trimmed up to a finished episode every this many episodes (and when the project runs out of work). */
export const TRIM_EVERY = 16

/** The consumer group of every project stream. */
export const GROUP = "workers"

export const JOB_FIELDS = [
  "id",
  "project",
  "episode",
  "state",
  "deliveries",
  "token",
  "worker",
  "expiresAt",
  "reason",
  "findings",
  "enqueuedAt",
  "updatedAt",
] as const

const prelude = `
local P = ARGV[1]
local READY = KEYS[1]
local LEASES = P .. ':leases'
local JOBS = P .. ':jobs'
local COUNTS = P .. ':counts'
local DEAD = P .. ':dead'
local SEQ = P .. ':seq'
local TICKET = P .. ':ticket'
local HELD = P .. ':held'
local FENCES = P .. ':fences'
local PROJECTS = P .. ':projects'
local CLOCK = P .. ':clock'
local G = '${GROUP}'
local FIELDS = {${JOB_FIELDS.map((f) => `'${f}'`).join(",")}}
local NF = #FIELDS
-- A loaded job: the FIELDS, then availableAt and ticket (internal, never returned).
local LOAD = {unpack(FIELDS)}
LOAD[NF + 1] = 'availableAt'
LOAD[NF + 2] = 'ticket'
local TICKETF = NF + 2
${luaJobIdOf()}
local function jobKey(id) return P .. ':job:' .. id end
local function projKey(project) return P .. ':proj:' .. project end
local function streamKey(project) return P .. ':s:' .. project end
local function entryId(episode) return episode .. '-0' end
local function read(id) return redis.call('HMGET', jobKey(id), unpack(FIELDS)) end
local function load(id) return redis.call('HMGET', jobKey(id), unpack(LOAD)) end
local function reply(j) return {unpack(j, 1, NF)} end
local function isFinal(state) return state == 'committed' or state == 'dead' or state == 'skipped' end
-- Committed or skipped: later episodes may follow. (A dead job is final but holds its project.)
local function isDone(state) return state == 'committed' or state == 'skipped' end
local function isLeased(state) return state == 'writing' or state == 'guarding' or state == 'editing' end
local function spent(deliveries, last) return 'delivered ' .. deliveries .. ' times without finishing; last: ' .. last end

-- Queue time (coordination/StoreTime.ts), kept in P:clock.
${STORE_TIME_LUA}
local queueNow = storeClock(CLOCK)

-- A head's member in the ready index: its ticket (the tie-break between equal availableAt:
-- who joined the line first), then its id. The ticket is stored on the job.
local function memberFor(ticket, id) return string.format('%015d', tonumber(ticket)) .. '|' .. id end
local function idOfMember(member) return string.sub(member, 17) end

-- The head's entry in its project's pending entries list: {id, consumer, idle, deliveries}, or
-- nil while no consumer has read it.
local function pendingOf(sk, eid) return redis.call('XPENDING', sk, G, eid, eid, 1)[1] end

-- Writes that a batch of transitions makes to shared keys, collected and sent once at the end
-- (nil: write at once). Nothing a batch reads depends on them before the end.
local function newBatch() return {leases = {}, ready = {}, counts = {}, ticket = nil} end
local function nextTicket(batch)
  if not batch then return redis.call('INCR', TICKET) end
  if not batch.ticket then batch.ticket = tonumber(redis.call('GET', TICKET) or '0') end
  batch.ticket = batch.ticket + 1
  return batch.ticket
end
local function flushBatch(batch)
  if #batch.leases > 0 then redis.call('ZREM', LEASES, unpack(batch.leases)) end
  if #batch.ready > 0 then redis.call('ZADD', READY, unpack(batch.ready)) end
  for state, n in pairs(batch.counts) do redis.call('HINCRBY', COUNTS, state, n) end
  if batch.ticket then redis.call('SET', TICKET, batch.ticket) end
end

-- A head of a project on hold does not join the line: its place (availableAt, ticket) waits in
-- its hash, flagged 'parked', until \`resume\`.
local function isHeld(project) return redis.call('HEXISTS', projKey(project), 'hold') == 1 end
local function park(id, availableAt, ticket)
  redis.call('HSET', jobKey(id), 'availableAt', availableAt, 'ticket', ticket, 'parked', 1)
end

-- Makes the loaded head job j final and returns it as a reply.
-- Committed: its stream entry is acknowledged. The stream is trimmed up to it (XTRIM MINID)
-- every ${TRIM_EVERY}th episode and whenever the project has no further episode: a stream holds
-- its unfinished episodes plus fewer than ${TRIM_EVERY} acknowledged ones before them, and nothing
-- once its project is idle (deleting each entry on its own cost Redis ~7 % of a job). The consumer
-- that held the entry, now without pending entries in this stream, is removed, so a stream's only
-- consumer is its current holder. The project's next episode (if enqueued: the job's 'next' flag;
-- hasNext, when the caller read it already) becomes head and joins the back of the line: available
-- from now, with a new ticket (parked instead, while the project is on hold); the line alone holds
-- its place (availableAt and ticket go into its hash when it is claimed).
-- Dead: the job stays its project's head and holds it. Its entry stays pending with its last
-- holder (so a retry takes it over like any pending entry, and the PEL keeps counting its
-- deliveries), the project joins P:held, and nothing is promoted.
-- wall stamps the job, now (queue time) places its successor. A final job keeps the worker and expiresAt of its last lease. Returns the reply and whether a
-- successor joined the line.
local function finish(j, state, reason, findings, wall, now, consumer, batch, hasNext)
  local id, project, episode = j[1], j[2], tonumber(j[3])
  local k = jobKey(id)
  local sk, eid = streamKey(project), entryId(j[3])
  local dead = state == 'dead'
  if dead then
    hasNext = false
  else
    if hasNext == nil then hasNext = redis.call('HGET', k, 'next') == '1' end
    redis.call('XACK', sk, G, eid)
    if not hasNext or episode % ${TRIM_EVERY} == 0 then redis.call('XTRIM', sk, 'MINID', entryId(episode + 1)) end
    if consumer then redis.call('XGROUP', 'DELCONSUMER', sk, G, consumer) end
  end
  if j[4] == 'queued' then
    -- (A queued head that reaches here was claimed or retried before, so its ticket is stored.)
    redis.call('ZREM', READY, memberFor(j[TICKETF], id))
  elseif batch then
    batch.leases[#batch.leases + 1] = id
  else
    redis.call('ZREM', LEASES, id)
  end
  local set = {'state', state, 'deliveries', j[5], 'updatedAt', wall}
  if reason then
    set[#set + 1], set[#set + 2] = 'reason', reason
    j[9] = reason
  end
  if findings then
    set[#set + 1], set[#set + 2] = 'findings', findings
    j[10] = findings
  end
  if dead then
    local letter = redis.call('XADD', DEAD, '*', 'job', id, 'project', project, 'episode', j[3], 'deliveries', j[5], 'reason', reason or '', 'at', wall)
    set[#set + 1], set[#set + 2] = 'letter', letter
    redis.call('HSET', projKey(project), 'dead', episode)
    redis.call('SADD', HELD, project)
  end
  redis.call('HSET', k, unpack(set))
  j[4], j[12] = state, wall
  if batch then batch.counts[state] = (batch.counts[state] or 0) + 1 else redis.call('HINCRBY', COUNTS, state, 1) end
  if hasNext then
    local nextId = jobIdOf(project, episode + 1)
    local ticket = nextTicket(batch)
    if isHeld(project) then
      park(nextId, now, ticket)
      hasNext = false
    else
      local member = memberFor(ticket, nextId)
      if batch then
        batch.ready[#batch.ready + 1], batch.ready[#batch.ready + 2] = now, member
      else
        redis.call('ZADD', READY, now, member)
      end
    end
  end
  return reply(j), hasNext
end

-- The project's head: its lowest job neither committed nor skipped, as {id, episode}, or nil.
-- Only acknowledged entries (fewer than ${TRIM_EVERY}) come before it in the stream.
local function headOf(project)
  local entries = redis.call('XRANGE', streamKey(project), '-', '+', 'COUNT', ${TRIM_EVERY + 1})
  for _, e in ipairs(entries) do
    local id = e[2][2]
    if not isDone(redis.call('HGET', jobKey(id), 'state')) then return id, tonumber(string.match(e[1], '^(%d+)')) end
  end
  return nil
end

-- The member of a head in the line, or nil (leased, parked or dead). The line holds one member
-- per waiting project, so a scan of it is cheap enough for operator actions.
local function lineMember(id)
  -- (Job ids are a slug, ':' and a number: nothing in them is special to MATCH.)
  local pattern = '*|' .. id
  local cursor = '0'
  repeat
    local r = redis.call('ZSCAN', READY, cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = r[1]
    if #r[2] > 0 then return r[2][1], tonumber(r[2][2]) end
  until cursor == '0'
  return nil
end

-- The lease (id, token) still holds the job (same fencing token, and the job is leased):
-- the loaded job, whose worker field is the stream consumer holding the entry; else nil.
local function held(id, token)
  local j = load(id)
  if j[6] == token and isLeased(j[4]) then return j end
  return nil
end

-- held, reading only what completing needs: the first 7 fields at their usual places, and
-- whether the job has a successor.
local function holds(id, token)
  local j = redis.call('HMGET', jobKey(id), 'id', 'project', 'episode', 'state', 'deliveries', 'token', 'worker', 'next')
  if j[6] ~= token or not isLeased(j[4]) then return nil end
  local hasNext = j[8] == '1'
  j[8] = nil
  return j, hasNext
end`

/**
 * ARGV: prefix, project, clock spec, episode… (sorted, distinct). → {1, then per episode: 1 (created) | 0, job (existing)} | {-1, requested, nextExpected}
 *
 * A created job is not sent back: the caller knows all of it (queued, no delivery, enqueued now).
 *
 * A new episode gets its job hash and an entry in the project's stream whose id is the episode
 * number (`n-0`): stream ids must grow, and episodes are only ever appended without a gap, so the
 * stream is the project's unfinished episodes in order. The first enqueue of a project creates
 * the stream with its consumer group. The first new episode joins the line when the project has
 * no head (its highest episode is committed or skipped, since a project's jobs finish in order;
 * a dead one is still its head), or is parked while the project is on hold.
 */
export const ENQUEUE = `${prelude}
local project = ARGV[2]
local wall, now = queueNow(ARGV[3], true)
local pk, sk = projKey(project), streamKey(project)
local last = tonumber(redis.call('HGET', pk, 'last') or '0')
local nextN = last + 1
for i = 4, #ARGV do
  local n = tonumber(ARGV[i])
  if n > last then
    if n > nextN then return {-1, n, last + 1} end
    nextN = n + 1
  end
end
local created = nextN - 1 - last
local hasHead = true
if created > 0 then
  if last == 0 then
    hasHead = false
    if redis.call('EXISTS', sk) == 0 then redis.call('XGROUP', 'CREATE', sk, G, '0', 'MKSTREAM') end
  else
    hasHead = not isDone(redis.call('HGET', jobKey(jobIdOf(project, last)), 'state'))
    -- The unfinished (or dead) last episode gets a successor: finishing it promotes the first new one.
    if hasHead then redis.call('HSET', jobKey(jobIdOf(project, last)), 'next', 1) end
  end
end
local seq = 0
if created > 0 then seq = redis.call('INCRBY', SEQ, created) - created end
-- Tokens start a generation higher after each delete of the project (see DELETE_PROJECT).
local base = redis.call('HGET', FENCES, project) or 0
local bySeq = {}
local out = {1}
for i = 4, #ARGV do
  local n = tonumber(ARGV[i])
  local id = jobIdOf(project, ARGV[i])
  if n <= last then
    out[#out + 1] = 0
    out[#out + 1] = read(id)
  else
    seq = seq + 1
    redis.call('HSET', jobKey(id), 'id', id, 'project', project, 'episode', ARGV[i], 'state', 'queued', 'deliveries', 0, 'token', base,
      'findings', '[]', 'enqueuedAt', wall, 'updatedAt', wall, 'seq', seq, 'next', n < nextN - 1 and 1 or 0)
    if not hasHead then
      hasHead = true
      local ticket = redis.call('INCR', TICKET)
      if isHeld(project) then park(id, now, ticket) else redis.call('ZADD', READY, now, memberFor(ticket, id)) end
    end
    redis.call('XADD', sk, entryId(ARGV[i]), 'job', id)
    bySeq[#bySeq + 1], bySeq[#bySeq + 2] = seq, id
    if #bySeq >= 1000 then
      redis.call('ZADD', JOBS, unpack(bySeq))
      bySeq = {}
    end
    out[#out + 1] = 1
  end
end
if #bySeq > 0 then redis.call('ZADD', JOBS, unpack(bySeq)) end
if created > 0 then
  redis.call('HINCRBY', COUNTS, 'enqueued', created)
  redis.call('HSET', pk, 'last', nextN - 1)
  if last == 0 then redis.call('SADD', PROJECTS, project) end
end
return out
`

/**
 * ARGV: prefix, maxDeliveries, then per claim: clock spec, leaseMs, worker. → one flat array with, per
 * claim in order: 0 (nothing to claim) | 1, id, project, episode, deliveries, token, reason,
 * findings, enqueuedAt (the rest of the lease the caller knows) | 2, error message.
 * Flat and short: building and sending a nested reply of whole records cost Redis more than
 * the claims themselves.
 *
 * Several claims in one call (those a process made during one turn of its event loop) are
 * handled one after the other, exactly as if each were its own call, in the order given; the
 * batch only saves work that is the same for all of them: one probe of the line and of the
 * run-out leases, one ZREM and one ZADD at the end.
 *
 * A claim picks the project: the oldest claimable head (availableAt, then ticket) of two
 * candidates, the front of the line or a leased head whose lease ran out — it kept its
 * availableAt and ticket, so it is reclaimed at its old place in line. Leased heads are out of
 * `P:ready` (in `P:leases`, by expiry).
 *
 * Then it takes the head's entry from the project's stream. Only the lease holder of a project
 * ever has its entry, so the stream's head is the project's head job. A head whose token is
 * still 0 was never claimed, so its entry is not pending: `XREADGROUP … >` delivers it
 * (delivery count 1). Otherwise the entry is pending (a lease that ran out, or a job handed back
 * by `retry`): `XPENDING` gives its delivery count, and `XAUTOCLAIM` with min-idle-time 0 moves
 * it to this worker and counts the delivery. Min-idle 0, because Effect's Clock (the lease's
 * expiresAt, the retry's availableAt) already decided that it may be taken; Redis's idle time
 * plays no part in it. The PEL's counter is mirrored into the hash for `get` and `list`.
 * A head whose deliveries are spent is dead-lettered on the way (its holders crashed), which
 * holds its project; then the search goes on. A run-out lease of a project on hold is parked on
 * the way (out of \`P:leases\`), and the search goes on.
 *
 * Why the prefetched front of the line stays exact: heads only leave the line during the batch
 * (taken here), and a successor promoted on the way joins at now with a newer ticket, i.e.
 * behind every prefetched head (all available at or before now); it is fetched once those run out.
 */
export const CLAIM = `${prelude}
local maxDel = tonumber(ARGV[2])
local n = (#ARGV - 2) / 3
local maxNow = -math.huge
local times = {}
for i = 1, n do
  local wall, now = queueNow(ARGV[i * 3], true)
  times[i] = {wall, now}
  maxNow = math.max(maxNow, now)
end

local line, li, lineFull, promoted, taken = {}, 1, true, false, {}
local function refill(want)
  if #taken > 0 then
    redis.call('ZREM', READY, unpack(taken))
    taken = {}
  end
  line = redis.call('ZRANGEBYSCORE', READY, '-inf', maxNow, 'WITHSCORES', 'LIMIT', 0, want)
  li, lineFull, promoted = 1, #line == 2 * want, false
end
refill(n)

local expired = {}
local function expire(id, at)
  local j = redis.call('HMGET', jobKey(id), 'availableAt', 'ticket')
  expired[#expired + 1] = {id = id, at = at, from = tonumber(j[1]), ticket = tonumber(j[2])}
end
local e = redis.call('ZRANGEBYSCORE', LEASES, '-inf', maxNow, 'WITHSCORES', 'LIMIT', 0, 256)
for k = 1, #e, 2 do expire(e[k], tonumber(e[k + 1])) end

local leased = {}
local out = {}
-- Appends the values of a table (never nil: HMGET answers false for absent fields) to the reply.
local function emit(values)
  for k = 1, #values do out[#out + 1] = values[k] end
end
for i = 1, n do
  local wall, nowN, worker = times[i][1], times[i][2], ARGV[i * 3 + 2]
  local now, expiresAt = nowN, string.format('%.0f', nowN + tonumber(ARGV[i * 3 + 1]))
  local claimed = false
  for _ = 1, 100000 do
    if li > #line and (lineFull or promoted) then refill(n - i + 1) end
    local bestId, bestAt, bestTicket, bestMember, bestExpired, bestPlace = nil, nil, nil, nil, nil, nil
    if li <= #line and tonumber(line[li + 1]) <= nowN then
      bestMember = line[li]
      bestId = idOfMember(bestMember)
      bestAt = tonumber(line[li + 1])
      bestTicket = tonumber(string.sub(bestMember, 1, 15))
      -- Its place in line goes into its hash, where a run-out lease is ordered from.
      bestPlace = {'availableAt', line[li + 1], 'ticket', bestTicket}
    end
    for _, x in ipairs(expired) do
      if not x.used and x.at <= nowN and (bestId == nil or x.from < bestAt or (x.from == bestAt and x.ticket < bestTicket)) then
        bestId, bestAt, bestTicket, bestMember, bestExpired, bestPlace = x.id, x.from, x.ticket, nil, x, nil
      end
    end
    if bestId == nil then break end
    if bestMember then
      li = li + 2
      taken[#taken + 1] = bestMember
    else
      bestExpired.used = true
    end
    -- project, episode, state, token, reason, findings, enqueuedAt
    local j = redis.call('HMGET', jobKey(bestId), 'project', 'episode', 'state', 'token', 'reason', 'findings', 'enqueuedAt')
    if bestExpired and isHeld(j[1]) then
      -- A held project's run-out lease is not reclaimed: parked, until resume lists it again.
      redis.call('ZREM', LEASES, bestId)
      redis.call('HSET', jobKey(bestId), 'parked', 1)
    else
    local sk, eid = streamKey(j[1]), entryId(j[2])
    local token = tonumber(j[4])
    local d, owner = 0, nil
    if token > 0 then
      local pending = pendingOf(sk, eid)
      if pending then d, owner = tonumber(pending[4]), pending[2] end
    end
    if d >= maxDel then
      local last
      if isLeased(j[3]) then
        last = 'lease expired'
        if j[5] then last = last .. '; before that: ' .. j[5] end
      else
        last = j[5] or 'lease expired'
      end
      local full = load(bestId)
      full[5] = d
      local _, joined = finish(full, 'dead', spent(d, last), false, wall, now, owner, nil)
      promoted = promoted or joined
    else
      local entry
      if owner then
        entry = redis.call('XAUTOCLAIM', sk, G, worker, 0, eid, 'COUNT', 1)[2][1]
        if owner ~= worker then redis.call('XGROUP', 'DELCONSUMER', sk, G, owner) end
      else
        local r = redis.call('XREADGROUP', 'GROUP', G, worker, 'COUNT', 1, 'STREAMS', sk, '>')
        entry = r and r[1][2][1]
      end
      if not entry or entry[1] ~= eid then
        emit({2, 'stream ' .. sk .. ' is out of step with its head ' .. bestId .. ': got ' .. tostring(entry and entry[1])})
        claimed = true
        break
      end
      token, d = token + 1, d + 1
      if bestPlace then
        redis.call('HSET', jobKey(bestId), 'state', 'writing', 'deliveries', d, 'token', token, 'worker', worker, 'expiresAt', expiresAt, 'updatedAt', wall, unpack(bestPlace))
      else
        redis.call('HSET', jobKey(bestId), 'state', 'writing', 'deliveries', d, 'token', token, 'worker', worker, 'expiresAt', expiresAt, 'updatedAt', wall)
      end
      if tonumber(expiresAt) <= maxNow then
        -- Already run out for a later claim of this batch (a zero lease): visible to it at once.
        redis.call('ZADD', LEASES, expiresAt, bestId)
        expire(bestId, tonumber(expiresAt))
      else
        leased[#leased + 1], leased[#leased + 2] = expiresAt, bestId
      end
      emit({1, bestId, j[1], j[2], d, token, j[5], j[6], j[7]})
      claimed = true
      break
    end
    end
  end
  if not claimed then out[#out + 1] = 0 end
end
if #taken > 0 then redis.call('ZREM', READY, unpack(taken)) end
if #leased > 0 then redis.call('ZADD', LEASES, unpack(leased)) end
return out
`

/**
 * ARGV: prefix, id, token, clock spec, leaseMs. → job (its expiresAt in queue time) | nil (lease lost)
 *
 * Also resets the entry's idle time in the PEL (`XCLAIM … JUSTID` to its own holder, which does
 * not count a delivery), so `XPENDING` shows how long ago the holder last showed life.
 */
export const HEARTBEAT = `${prelude}
local id, token = ARGV[2], ARGV[3]
local wall, now = queueNow(ARGV[4], true)
local expiresAt = string.format('%.0f', now + tonumber(ARGV[5]))
local j = held(id, token)
if not j then return false end
redis.call('XCLAIM', streamKey(j[2]), G, j[7], 0, entryId(j[3]), 'JUSTID')
redis.call('HSET', jobKey(id), 'expiresAt', expiresAt, 'updatedAt', wall)
redis.call('ZADD', LEASES, expiresAt, id)
j[8], j[12] = expiresAt, wall
return reply(j)
`

/** ARGV: prefix, id, token, clock spec, state. → 1 | 0 (lease lost) */
export const SET_STAGE = `${prelude}
local id, token, state = ARGV[2], ARGV[3], ARGV[5]
local wall = queueNow(ARGV[4], true)
local j = redis.call('HMGET', jobKey(id), 'token', 'state')
if j[1] ~= token or not isLeased(j[2]) then return 0 end
redis.call('HSET', jobKey(id), 'state', state, 'updatedAt', wall)
return 1
`

/**
 * ARGV: prefix, then per completion: id, token, clock spec. → {1 | nil (lease lost), …}
 *
 * Acknowledges each entry: the episode is committed. Several completions in one call are
 * handled one after the other, as if each were its own call; their writes to the shared keys
 * (leases, line, counters, ticket) go out once at the end. The committed job is not sent back:
 * while the lease held, only its holder could change it, so the caller knows it already.
 */
export const COMPLETE = `${prelude}
local batch = newBatch()
local out = {}
for i = 1, (#ARGV - 1) / 3 do
  local id, token = ARGV[i * 3 - 1], ARGV[i * 3]
  local wall, now = queueNow(ARGV[i * 3 + 1], true)
  local j, hasNext = holds(id, token)
  out[i] = false
  if j then
    finish(j, 'committed', false, false, wall, now, j[7], batch, hasNext)
    out[i] = 1
  end
end
flushBatch(batch)
return out
`

/**
 * ARGV: prefix, id, token, clock spec, reason, delayMs, transient (0|1), maxDeliveries. → job | nil
 *
 * The entry stays pending (the next claim takes it over with XAUTOCLAIM); the job re-joins the
 * back of the line at availableAt. A transient fault gives its delivery back:
 * `XCLAIM … RETRYCOUNT d-1` sets the PEL's counter one lower.
 */
export const RETRY = `${prelude}
local id, token, reason, transient, maxDel = ARGV[2], ARGV[3], ARGV[5], ARGV[7], tonumber(ARGV[8])
local wall, now = queueNow(ARGV[4], true)
local availableAt = string.format('%.0f', now + tonumber(ARGV[6]))
local j = held(id, token)
if not j then return false end
local sk, eid = streamKey(j[2]), entryId(j[3])
local d = tonumber(pendingOf(sk, eid)[4])
if transient == '0' and d >= maxDel then
  j[5] = d
  return (finish(j, 'dead', spent(d, reason), false, wall, now, j[7]))
end
if transient == '1' and d > 0 then
  d = d - 1
  redis.call('XCLAIM', sk, G, j[7], 0, eid, 'RETRYCOUNT', d, 'JUSTID')
end
local ticket = redis.call('INCR', TICKET)
local k = jobKey(id)
redis.call('HSET', k, 'state', 'queued', 'reason', reason, 'deliveries', d, 'updatedAt', wall, 'availableAt', availableAt, 'ticket', ticket)
redis.call('HDEL', k, 'worker', 'expiresAt')
redis.call('ZREM', LEASES, id)
if isHeld(j[2]) then park(id, availableAt, ticket) else redis.call('ZADD', READY, availableAt, memberFor(ticket, id)) end
j[4], j[5], j[7], j[8], j[9], j[12] = 'queued', tostring(d), false, false, reason, wall
return reply(j)
`

/** ARGV: prefix, id, token, clock spec, reason, findings JSON ('' to keep). → job | nil */
export const DEAD_LETTER = `${prelude}
local id, token, reason, findings = ARGV[2], ARGV[3], ARGV[5], ARGV[6]
local wall, now = queueNow(ARGV[4], true)
local j = held(id, token)
if not j then return false end
if findings == '' then findings = false end
return (finish(j, 'dead', reason, findings, wall, now, j[7]))
`

/** ARGV: prefix, project ('' = all), states (comma-separated, '*' = all), limit (-1 = none). → job… newest first */
export const LIST = `${prelude}
local project, states, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local want = nil
if states ~= '*' then
  want = {}
  for s in string.gmatch(states, '[^,]+') do want[s] = true end
end
local out = {}
local function consider(id)
  local j = read(id)
  if j[1] and (want == nil or want[j[4]]) then out[#out + 1] = j end
  return limit >= 0 and #out >= limit
end
if project ~= '' then
  local last = tonumber(redis.call('HGET', projKey(project), 'last') or '0')
  for n = last, 1, -1 do
    if consider(jobIdOf(project, n)) then return out end
  end
else
  local start = 0
  while true do
    local ids = redis.call('ZREVRANGE', JOBS, start, start + 499)
    if #ids == 0 then break end
    for _, id in ipairs(ids) do
      if consider(id) then return out end
    end
    start = start + 500
  end
end
return out
`

/** ARGV: prefix, clock spec. → {queued, inFlight, committed, dead, skipped, held} */
export const STATS = `${prelude}
local _, now = queueNow(ARGV[2], false)
local c = redis.call('HMGET', COUNTS, 'enqueued', 'committed', 'dead', 'skipped')
for i = 1, 4 do c[i] = tonumber(c[i] or '0') end
local live = c[1] - c[2] - c[3] - c[4]
local inFlight = redis.call('ZCOUNT', LEASES, '(' .. string.format('%.0f', now), '+inf')
return {live - inFlight, inFlight, c[2], c[3], c[4], redis.call('SCARD', HELD)}
`


/*
 * Operator actions. Rare, so each may scan a little: the line (one member per waiting project)
 * to find a head's member, the first entries of a project's stream to find its head, or the
 * project's jobs. Each answers {0, …} on success, or a code the caller turns into a tagged
 * error: 1 (no such job), 2 (state conflict: the job's state, and a detail or '').
 */

/** A head back in line from now, or parked while its project is on hold. */
const requeueHead = `
local function requeueHead(id, project, now)
  local ticket = redis.call('INCR', TICKET)
  if isHeld(project) then
    park(id, now, ticket)
  else
    redis.call('HDEL', jobKey(id), 'parked')
    redis.call('HSET', jobKey(id), 'availableAt', now, 'ticket', ticket)
    redis.call('ZADD', READY, now, memberFor(ticket, id))
  end
end
-- A dead job is no longer dead: its letter goes, and its project is no longer held for it.
local function undead(id, project)
  local letter = redis.call('HGET', jobKey(id), 'letter')
  if letter then redis.call('XDEL', DEAD, letter) end
  redis.call('HDEL', jobKey(id), 'letter')
  redis.call('HINCRBY', COUNTS, 'dead', -1)
  redis.call('HDEL', projKey(project), 'dead')
  if not isHeld(project) then redis.call('SREM', HELD, project) end
end
`

/**
 * ARGV: prefix, project, episode, clock spec. → {0, job} | {1} | {2, state, detail}
 *
 * The job must be its project's head (a queued job behind it has nothing to reset and is
 * answered as it is). Its pending entry, if it was ever delivered, stays pending with its last
 * holder, its delivery count set back to 0 (\`XCLAIM … RETRYCOUNT 0\`): the next claim takes it
 * over as it takes over any handed-back entry. The token stays, so earlier leases stay fenced off.
 */
export const RETRY_JOB = `${prelude}${requeueHead}
local project, episode = ARGV[2], ARGV[3]
local wall, now = queueNow(ARGV[4], true)
local id = jobIdOf(project, episode)
local j = load(id)
if not j[1] then return {1} end
local state = j[4]
if state ~= 'dead' and state ~= 'queued' then return {2, state, ''} end
local headId, headEp = headOf(project)
if headId ~= id then
  if state == 'queued' then return {0, reply(j)} end
  if not headEp or headEp > tonumber(episode) then
    -- Dead under the rules before dead episodes held their projects: its entry is gone.
    return {2, state, 'it died before dead episodes held their projects, and later episodes went on: it cannot be retried'}
  end
  return {2, state, 'episode ' .. tostring(headEp) .. ' holds the project first: retry or skip it first'}
end
local sk, eid = streamKey(project), entryId(episode)
if tonumber(j[6]) > 0 then
  local pending = pendingOf(sk, eid)
  if pending then redis.call('XCLAIM', sk, G, pending[2], 0, eid, 'RETRYCOUNT', 0, 'JUSTID') end
end
if state == 'dead' then
  undead(id, project)
else
  local member = lineMember(id)
  if member then redis.call('ZREM', READY, member) end
end
redis.call('HSET', jobKey(id), 'state', 'queued', 'deliveries', 0, 'findings', '[]', 'updatedAt', wall)
redis.call('HDEL', jobKey(id), 'reason', 'worker', 'expiresAt')
requeueHead(id, project, now)
return {0, read(id)}
`

/**
 * ARGV: prefix, project, episode, reason, clock spec. → {0, job} | {1} | {2, state, detail}
 *
 * Only the head (dead, or queued and not in flight) can be skipped. Its entry is acknowledged
 * and the stream trimmed up to it, so the group's next read delivers the successor, which
 * joins the line (or is parked while the project is on hold).
 */
export const SKIP_JOB = `${prelude}${requeueHead}
local project, episode, reason = ARGV[2], ARGV[3], ARGV[4]
local wall, now = queueNow(ARGV[5], true)
local id = jobIdOf(project, episode)
local j = load(id)
if not j[1] then return {1} end
local state = j[4]
if state ~= 'dead' and state ~= 'queued' then return {2, state, ''} end
local headId, headEp = headOf(project)
if headId ~= id then return {2, state, 'only the episode the project waits on (' .. tostring(headEp) .. ') can be skipped'} end
local sk, eid = streamKey(project), entryId(episode)
if tonumber(j[6]) > 0 then
  local pending = pendingOf(sk, eid)
  if pending then
    redis.call('XACK', sk, G, eid)
    redis.call('XGROUP', 'DELCONSUMER', sk, G, pending[2])
  end
end
redis.call('XTRIM', sk, 'MINID', entryId(tonumber(episode) + 1))
if state == 'dead' then
  undead(id, project)
else
  local member = lineMember(id)
  if member then redis.call('ZREM', READY, member) end
end
redis.call('HSET', jobKey(id), 'state', 'skipped', 'reason', reason, 'findings', '[]', 'updatedAt', wall)
redis.call('HDEL', jobKey(id), 'parked')
redis.call('HINCRBY', COUNTS, 'skipped', 1)
if redis.call('HGET', jobKey(id), 'next') == '1' then requeueHead(jobIdOf(project, tonumber(episode) + 1), project, now) end
return {0, read(id)}
`

/**
 * ARGV: prefix, project, fromEpisode. → the removed episodes, ascending
 *
 * Removes the never-claimed tail from max(fromEpisode, the head if never claimed, else the one
 * after it): job hashes and the head's place in line. Stream ids must grow, and entries deleted
 * from a stream's tail still bound its ids (setting its last id back breaks the order its
 * trimming relies on), so the stream is built anew with the episodes that stay: the head's entry
 * (pending again with its holder and its delivery count, if it was) and the queued ones after it.
 */
export const CANCEL = `${prelude}
local project, from = ARGV[2], tonumber(ARGV[3])
local pk, sk = projKey(project), streamKey(project)
local last = tonumber(redis.call('HGET', pk, 'last') or '0')
local headId, headEp = headOf(project)
if not headId then return {} end
local pending = pendingOf(sk, entryId(headEp))
-- Only jobs never claimed go (a lease from before could match the tokens of the same job enqueued
-- again): the head goes unless it was claimed (its entry is pending), is in flight or dead.
local start = headEp + 1
if redis.call('HGET', jobKey(headId), 'state') == 'queued' and not pending then start = headEp end
if from > start then start = from end
if start > last then return {} end
local out = {}
for n = start, last do
  local id = jobIdOf(project, n)
  if n == headEp then
    local member = lineMember(id)
    if member then redis.call('ZREM', READY, member) end
  end
  redis.call('DEL', jobKey(id))
  redis.call('ZREM', JOBS, id)
  out[#out + 1] = n
end
redis.call('DEL', sk)
redis.call('XGROUP', 'CREATE', sk, G, '0', 'MKSTREAM')
for n = headEp, start - 1 do redis.call('XADD', sk, entryId(n), 'job', jobIdOf(project, n)) end
if pending then
  redis.call('XREADGROUP', 'GROUP', G, pending[2], 'COUNT', 1, 'STREAMS', sk, '>')
  redis.call('XCLAIM', sk, G, pending[2], 0, entryId(headEp), 'RETRYCOUNT', pending[4], 'JUSTID')
end
redis.call('HINCRBY', COUNTS, 'enqueued', -#out)
redis.call('HSET', pk, 'last', start - 1)
if start > 1 then redis.call('HSET', jobKey(jobIdOf(project, start - 1)), 'next', 0) end
return out
`

/** A project exists while it has a job or a hold. */
const projectExists = `
local function projectExists(project)
  return tonumber(redis.call('HGET', projKey(project), 'last') or '0') > 0 or isHeld(project)
end
`

/** ARGV: prefix, project, reason. → 1 (now held) | 0 (was held) | -1 (no such project) */
export const HOLD = `${prelude}${projectExists}
local project, reason = ARGV[2], ARGV[3]
if not projectExists(project) then return -1 end
if redis.call('HSETNX', projKey(project), 'hold', reason) == 0 then return 0 end
redis.call('SADD', HELD, project)
local headId = headOf(project)
if headId then
  local member, at = lineMember(headId)
  if member then
    redis.call('ZREM', READY, member)
    park(headId, at, tonumber(string.sub(member, 1, 15)))
  end
end
return 1
`

/** ARGV: prefix, project. → 1 (resumed) | 0 (was not held) | -1 (no such project) */
export const RESUME = `${prelude}${projectExists}
local project = ARGV[2]
if not projectExists(project) then return -1 end
local pk = projKey(project)
if redis.call('HDEL', pk, 'hold') == 0 then return 0 end
if redis.call('HEXISTS', pk, 'dead') == 0 then redis.call('SREM', HELD, project) end
local headId = headOf(project)
if headId then
  local h = redis.call('HMGET', jobKey(headId), 'parked', 'state', 'availableAt', 'ticket', 'expiresAt')
  if h[1] == '1' then
    redis.call('HDEL', jobKey(headId), 'parked')
    if h[2] == 'queued' then
      redis.call('ZADD', READY, h[3], memberFor(h[4], headId))
    elseif isLeased(h[2]) then
      redis.call('ZADD', LEASES, h[5], headId)
    end
  end
end
return 1
`

/**
 * ARGV: prefix, project, clock spec, force (0|1). → {0, jobs removed} | {-1} (no such project) | {-2, episode in flight}
 *
 * The project's fence (\`P:fences\`) moves a generation (TOKEN_GENERATION) up: if it is enqueued again, its jobs'
 * tokens start there, so a lease from before the delete never matches a new one.
 */
export const DELETE_PROJECT = `${prelude}${projectExists}
local project, force = ARGV[2], ARGV[4]
local _, now = queueNow(ARGV[3], false)
if not projectExists(project) then return {-1} end
local pk = projKey(project)
local last = tonumber(redis.call('HGET', pk, 'last') or '0')
local headId, headEp = headOf(project)
if headId then
  local h = redis.call('HMGET', jobKey(headId), 'state', 'expiresAt')
  if force ~= '1' and isLeased(h[1]) and tonumber(h[2]) > now then return {-2, headEp} end
  local member = lineMember(headId)
  if member then redis.call('ZREM', READY, member) end
end
local removed = 0
for n = 1, last do
  local id = jobIdOf(project, n)
  local h = redis.call('HMGET', jobKey(id), 'state', 'letter')
  if h[1] then
    if isFinal(h[1]) then redis.call('HINCRBY', COUNTS, h[1], -1) end
    if h[2] then redis.call('XDEL', DEAD, h[2]) end
    redis.call('ZREM', LEASES, id)
    redis.call('DEL', jobKey(id))
    redis.call('ZREM', JOBS, id)
    removed = removed + 1
  end
end
redis.call('HINCRBY', COUNTS, 'enqueued', -removed)
redis.call('DEL', streamKey(project), pk)
redis.call('HINCRBY', FENCES, project, ${TOKEN_GENERATION})
redis.call('SREM', HELD, project)
redis.call('SREM', PROJECTS, project)
return {0, removed}
`

/**
 * ARGV: prefix, project ('' = all), clock spec. → per project, flat: project, hold reason | false,
 * head episode | false, head state | false, head reason | false, queued, inFlight, committed, dead, skipped.
 */
export const PROJECT_STATES = `${prelude}
local only = ARGV[2]
local _, now = queueNow(ARGV[3], false)
local names = {only}
if only == '' then names = redis.call('SMEMBERS', PROJECTS) end
local out = {}
for _, project in ipairs(names) do
  local p = redis.call('HMGET', projKey(project), 'last', 'hold')
  local last = tonumber(p[1] or '0')
  if last > 0 or p[2] then
    local c = {queued = 0, inFlight = 0, committed = 0, dead = 0, skipped = 0}
    local headEp, headState, headReason = false, false, false
    for n = 1, last do
      local h = redis.call('HMGET', jobKey(jobIdOf(project, n)), 'state', 'expiresAt', 'reason')
      local state = h[1]
      if state then
        if isFinal(state) then c[state] = c[state] + 1
        elseif isLeased(state) and tonumber(h[2]) > now then c.inFlight = c.inFlight + 1
        else c.queued = c.queued + 1 end
        if not headEp and not isDone(state) then headEp, headState, headReason = n, state, h[3] end
      end
    end
    for _, v in ipairs({project, p[2] or false, headEp, headState, headReason, c.queued, c.inFlight, c.committed, c.dead, c.skipped}) do
      out[#out + 1] = v
    end
  end
end
return out
`

export const scripts = {
  nfEnqueue: ENQUEUE,
  nfClaim: CLAIM,
  nfHeartbeat: HEARTBEAT,
  nfSetStage: SET_STAGE,
  nfComplete: COMPLETE,
  nfRetry: RETRY,
  nfDeadLetter: DEAD_LETTER,
  nfList: LIST,
  nfStats: STATS,
  nfRetryJob: RETRY_JOB,
  nfSkipJob: SKIP_JOB,
  nfCancel: CANCEL,
  nfHold: HOLD,
  nfResume: RESUME,
  nfDeleteProject: DELETE_PROJECT,
  nfProjectStates: PROJECT_STATES,
} as const
