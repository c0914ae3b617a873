/**
 * The Lua scripts of `RedisJobQueue` (see its header for the key design). Every state
 * transition is one script, so it is atomic across all processes sharing the Redis.
 *
 * Conventions: KEYS[1] is the ready index (it carries the factory's hash tag, and every other
 * key the script touches shares that tag, so all keys live in one cluster slot); ARGV[1] is the
 * hash-tagged prefix. Time never comes from Redis: callers pass Effect `Clock` time (`now`) and
 * precomputed deadlines as arguments, so `TestClock` drives leases and delays. The stream
 * commands used here (XREADGROUP without BLOCK, XAUTOCLAIM, XCLAIM, XPENDING, XACK, XDEL,
 * XGROUP) never block, so they are legal inside a script.
 *
 * A job is returned as the 12 fields of `JOB_FIELDS`, in that order (nil for absent ones).
 */
import { jobIdOf } from "../domain/Job.ts"

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

/** The consumer group of every project stream. */
export const GROUP = "workers"

/** A project stream's entry id for an episode: the episode number itself, so stream order is episode order. */
export const entryIdOf = (episode: number): string => `${episode}-0`

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
local G = '${GROUP}'
local FIELDS = {${JOB_FIELDS.map((f) => `'${f}'`).join(",")}}
${luaJobIdOf()}
local function jobKey(id) return P .. ':job:' .. id end
local function projKey(project) return P .. ':proj:' .. project end
local function streamKey(project) return P .. ':s:' .. project end
local function entryId(episode) return episode .. '-0' end
local function read(id) return redis.call('HMGET', jobKey(id), unpack(FIELDS)) end
local function isLeased(state) return state == 'writing' or state == 'guarding' or state == 'editing' end
local function spent(deliveries, last) return 'delivered ' .. deliveries .. ' times without finishing; last: ' .. last end

-- A head's member in the ready index: its ticket (the tie-break between equal availableAt:
-- who joined the line first), then its id. The ticket is stored on the job.
local function memberFor(ticket, id) return string.format('%015d', tonumber(ticket)) .. '|' .. id end
local function idOfMember(member) return string.sub(member, 17) end

-- (Re)joins the ready index: available from availableAt, behind everyone who already has a ticket.
local function enterLine(id, availableAt, ticket)
  local k = jobKey(id)
  local old = redis.call('HGET', k, 'ticket')
  if old then redis.call('ZREM', READY, memberFor(old, id)) end
  redis.call('HSET', k, 'ticket', ticket, 'availableAt', availableAt)
  redis.call('ZADD', READY, availableAt, memberFor(ticket, id))
end

-- The head's entry in its project's pending entries list: {id, consumer, idle, deliveries}, or
-- nil while no consumer has read it yet.
local function pendingOf(sk, eid) return redis.call('XPENDING', sk, G, eid, eid, 1)[1] end

-- Makes a head job final; the project's next episode (if enqueued) becomes head and joins the
-- back of the line: available from now (or later, if it was), with the finishing ticket. Its
-- stream entry is acknowledged and deleted (the stream only holds unfinished episodes), and the
-- consumer that held it, now without pending entries in this stream, is removed so a stream's
-- consumers are only ever its current holder.
local function finish(id, state, reason, findings, now, consumer)
  local k = jobKey(id)
  local j = redis.call('HMGET', k, 'project', 'episode', 'deliveries', 'ticket')
  local project, episode = j[1], tonumber(j[2])
  local sk, eid = streamKey(project), entryId(j[2])
  redis.call('XACK', sk, G, eid)
  redis.call('XDEL', sk, eid)
  if consumer then redis.call('XGROUP', 'DELCONSUMER', sk, G, consumer) end
  local ticket = redis.call('INCR', TICKET)
  if j[4] then redis.call('ZREM', READY, memberFor(j[4], id)) end
  redis.call('ZREM', LEASES, id)
  redis.call('HSET', k, 'state', state, 'updatedAt', now)
  if reason then redis.call('HSET', k, 'reason', reason) end
  if findings then redis.call('HSET', k, 'findings', findings) end
  redis.call('HDEL', k, 'worker', 'expiresAt', 'ticket')
  redis.call('HINCRBY', COUNTS, 'live', -1)
  redis.call('HINCRBY', COUNTS, state, 1)
  if state == 'dead' then
    redis.call('XADD', DEAD, '*', 'job', id, 'project', project, 'episode', j[2], 'deliveries', j[3], 'reason', reason or '', 'at', now)
  end
  local pk = projKey(project)
  local last = tonumber(redis.call('HGET', pk, 'last') or '0')
  if episode < last then
    local nextId = jobIdOf(project, episode + 1)
    local available = math.max(tonumber(redis.call('HGET', jobKey(nextId), 'availableAt')), tonumber(now))
    redis.call('HSET', pk, 'head', episode + 1)
    enterLine(nextId, available, ticket)
  else
    redis.call('HSET', pk, 'head', 0)
  end
end

-- The lease (id, token) still holds the job: same fencing token and the job is leased. Returns
-- the holder (the stream consumer that has the entry) or nil.
local function held(id, token)
  local j = redis.call('HMGET', jobKey(id), 'token', 'state', 'worker')
  if j[1] ~= false and j[1] == token and isLeased(j[2]) then return j[3] end
  return nil
end
`

/**
 * ARGV: prefix, project, now, episode… (sorted, distinct). → {1, created, job, created, job …} | {-1, requested, nextExpected}
 *
 * A new episode gets its job hash and an entry in the project's stream whose id is the episode
 * number (`n-0`): stream ids must grow, and episodes are only ever appended without a gap, so the
 * stream is the project's unfinished episodes in order. The first enqueue of a project creates
 * the stream with its consumer group.
 */
export const ENQUEUE = `${prelude}
local project, now = ARGV[2], ARGV[3]
local pk = projKey(project)
local sk = streamKey(project)
local last = tonumber(redis.call('HGET', pk, 'last') or '0')
local nextN = last + 1
for i = 4, #ARGV do
  local n = tonumber(ARGV[i])
  if n > last then
    if n > nextN then return {-1, n, last + 1} end
    nextN = n + 1
  end
end
if nextN - 1 > last and redis.call('EXISTS', sk) == 0 then redis.call('XGROUP', 'CREATE', sk, G, '0', 'MKSTREAM') end
local head = tonumber(redis.call('HGET', pk, 'head') or '0')
local out = {1}
for i = 4, #ARGV do
  local n = tonumber(ARGV[i])
  local id = jobIdOf(project, ARGV[i])
  if n <= last then
    out[#out + 1] = 0
  else
    local seq = redis.call('INCR', SEQ)
    local ticket = redis.call('INCR', TICKET)
    redis.call('HSET', jobKey(id), 'id', id, 'project', project, 'episode', ARGV[i], 'state', 'queued', 'deliveries', 0, 'token', 0,
      'findings', '[]', 'enqueuedAt', now, 'updatedAt', now, 'availableAt', now, 'seq', seq)
    redis.call('XADD', sk, entryId(ARGV[i]), 'job', id)
    redis.call('ZADD', JOBS, seq, id)
    redis.call('HINCRBY', COUNTS, 'live', 1)
    if head == 0 then
      head = n
      redis.call('HSET', pk, 'head', n)
      enterLine(id, now, ticket)
    end
    out[#out + 1] = 1
  end
  out[#out + 1] = read(id)
end
if nextN - 1 > last then redis.call('HSET', pk, 'last', nextN - 1) end
return out
`

/**
 * ARGV: prefix, now, expiresAt, worker, maxDeliveries. → job | nil
 *
 * Picks the project: the oldest claimable head (availableAt, then ticket) of two candidates,
 * the front of the line or a leased head whose lease ran out — it kept its availableAt and
 * ticket, so it is reclaimed at its old place in line. Leased heads are out of `P:ready` (in
 * `P:leases`, by expiry), so the common case is two O(log n) probes.
 *
 * Then takes the head's entry from the project's stream. Only the lease holder of a project
 * ever has its entry, so the stream's head is the project's head job:
 * - not pending yet (never delivered): `XREADGROUP … >` delivers it (delivery count 1);
 * - pending (a lease that ran out, or a job handed back by `retry`): `XAUTOCLAIM` with
 *   min-idle-time 0 moves it to this worker and counts the delivery. Min-idle 0, because
 *   Effect's Clock (the lease's expiresAt, the retry's availableAt) already decided that it may
 *   be taken; Redis's idle time plays no part in it.
 * The PEL's delivery counter is the job's delivery count (mirrored into the hash for `get`).
 * A head whose deliveries are spent is dead-lettered on the way (its holders crashed), which
 * promotes its successor; then the search starts over.
 */
export const CLAIM = `${prelude}
local now, expiresAt, worker, maxDel = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
for _ = 1, 100000 do
  local bestId, bestAt, bestTicket, bestMember = nil, nil, nil, nil
  local top = redis.call('ZRANGEBYSCORE', READY, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1)
  if top[1] then
    bestMember = top[1]
    bestId = idOfMember(top[1])
    bestAt = tonumber(top[2])
    bestTicket = tonumber(string.sub(top[1], 1, 15))
  end
  local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', now, 'LIMIT', 0, 256)
  for _, id in ipairs(expired) do
    local j = redis.call('HMGET', jobKey(id), 'availableAt', 'ticket')
    local at, ticket = tonumber(j[1]), tonumber(j[2])
    if bestId == nil or at < bestAt or (at == bestAt and ticket < bestTicket) then
      bestId, bestAt, bestTicket, bestMember = id, at, ticket, nil
    end
  end
  if bestId == nil then return false end
  local k = jobKey(bestId)
  local j = redis.call('HMGET', k, 'state', 'reason', 'project', 'episode')
  local sk, eid = streamKey(j[3]), entryId(j[4])
  local pending = pendingOf(sk, eid)
  local d = 0
  if pending then d = tonumber(pending[4]) end
  if d >= maxDel then
    local last
    if isLeased(j[1]) then
      last = 'lease expired'
      if j[2] then last = last .. '; before that: ' .. j[2] end
    else
      last = j[2] or 'lease expired'
    end
    redis.call('HSET', k, 'deliveries', d)
    finish(bestId, 'dead', spent(d, last), false, now, pending[2])
  else
    local entry
    if pending then
      entry = redis.call('XAUTOCLAIM', sk, G, worker, 0, eid, 'COUNT', 1)[2][1]
      if pending[2] ~= worker then redis.call('XGROUP', 'DELCONSUMER', sk, G, pending[2]) end
    else
      local r = redis.call('XREADGROUP', 'GROUP', G, worker, 'COUNT', 1, 'STREAMS', sk, '>')
      entry = r and r[1][2][1]
    end
    if not entry or entry[1] ~= eid then
      return redis.error_reply('stream ' .. sk .. ' is out of step with its head ' .. bestId .. ': got ' .. tostring(entry and entry[1]))
    end
    if bestMember then redis.call('ZREM', READY, bestMember) end
    redis.call('HINCRBY', k, 'token', 1)
    redis.call('HSET', k, 'state', 'writing', 'deliveries', d + 1, 'worker', worker, 'expiresAt', expiresAt, 'updatedAt', now)
    redis.call('ZADD', LEASES, expiresAt, bestId)
    return read(bestId)
  end
end
return false
`

/**
 * ARGV: prefix, id, token, now, expiresAt. → job | nil (lease lost)
 *
 * Also resets the entry's idle time in the PEL (`XCLAIM … JUSTID` to its own holder, which does
 * not count a delivery), so `XPENDING` shows how long ago the holder last showed life.
 */
export const HEARTBEAT = `${prelude}
local id, token, now, expiresAt = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local worker = held(id, token)
if not worker then return false end
local k = jobKey(id)
local j = redis.call('HMGET', k, 'project', 'episode')
redis.call('XCLAIM', streamKey(j[1]), G, worker, 0, entryId(j[2]), 'JUSTID')
redis.call('HSET', k, 'expiresAt', expiresAt, 'updatedAt', now)
redis.call('ZADD', LEASES, expiresAt, id)
return read(id)
`

/** ARGV: prefix, id, token, now, state. → 1 | 0 (lease lost) */
export const SET_STAGE = `${prelude}
local id, token, now, state = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if not held(id, token) then return 0 end
redis.call('HSET', jobKey(id), 'state', state, 'updatedAt', now)
return 1
`

/** ARGV: prefix, id, token, now. → job | nil. Acknowledges the entry: the episode is committed. */
export const COMPLETE = `${prelude}
local id, token, now = ARGV[2], ARGV[3], ARGV[4]
local worker = held(id, token)
if not worker then return false end
finish(id, 'committed', false, false, now, worker)
return read(id)
`

/**
 * ARGV: prefix, id, token, now, reason, availableAt, transient (0|1), maxDeliveries. → job | nil
 *
 * The entry stays pending (the next claim takes it over with XAUTOCLAIM); the job re-joins the
 * line at availableAt. A transient fault gives its delivery back: `XCLAIM … RETRYCOUNT d-1`
 * sets the PEL's counter one lower.
 */
export const RETRY = `${prelude}
local id, token, now, reason, availableAt, transient, maxDel = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local worker = held(id, token)
if not worker then return false end
local k = jobKey(id)
local j = redis.call('HMGET', k, 'project', 'episode')
local sk, eid = streamKey(j[1]), entryId(j[2])
local d = tonumber(pendingOf(sk, eid)[4])
if transient == '0' and d >= maxDel then
  finish(id, 'dead', spent(d, reason), false, now, worker)
  return read(id)
end
if transient == '1' and d > 0 then
  d = d - 1
  redis.call('XCLAIM', sk, G, worker, 0, eid, 'RETRYCOUNT', d, 'JUSTID')
end
redis.call('HSET', k, 'state', 'queued', 'reason', reason, 'deliveries', d, 'updatedAt', now)
redis.call('HDEL', k, 'worker', 'expiresAt')
redis.call('ZREM', LEASES, id)
enterLine(id, availableAt, redis.call('INCR', TICKET))
return read(id)
`

/** ARGV: prefix, id, token, now, reason, findings JSON ('' to keep). → job | nil */
export const DEAD_LETTER = `${prelude}
local id, token, now, reason, findings = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local worker = held(id, token)
if not worker then return false end
if findings == '' then findings = false end
finish(id, 'dead', reason, findings, now, worker)
return read(id)
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

/** ARGV: prefix, now. → {queued, inFlight, committed, dead} */
export const STATS = `${prelude}
local now = ARGV[2]
local c = redis.call('HMGET', COUNTS, 'live', 'committed', 'dead')
local live = tonumber(c[1] or '0')
local inFlight = redis.call('ZCOUNT', LEASES, '(' .. now, '+inf')
return {live - inFlight, inFlight, tonumber(c[2] or '0'), tonumber(c[3] or '0')}
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
} as const
