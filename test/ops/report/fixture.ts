import type { FactoryEvent } from "../../../src/events/FactoryEvent.ts"

export const UNTIL = Date.UTC(2025, 0, 6, 0, 0, 0)
export const FROM = UNTIL - 24 * 3_600_000
const HOUR = 3_600_000
const at = (hour: number, minute = 0, second = 0) => FROM + hour * HOUR + minute * 60_000 + second * 1000

/**
 * A known day of factory life (2025-01-05 UTC):
 * - 10 jobs committed every hour in 1 s, except hour 13 (40 jobs in 3 s each): 270 committed;
 * - 2 jobs dead in hour 23;
 * - writer stages of 1…100 ms (3 failed), 10 guard stages of 5 ms;
 * - writer-1 restarted 3 times (crashed at 08:00, running again 5 s later), writer-2 once;
 * - the llm breaker open 10:00:00 → half-open 10:00:10 → closed 10:00:42.5; the queue breaker opens at 23:30 and stays open;
 * - queue.depth-critical fired 12:00, resolved 12:15; finance.daily-budget fired 23:00, still firing;
 * - one event before the window, which the report must ignore.
 */
export const knownDay = (): Array<FactoryEvent> => {
  const events: Array<FactoryEvent> = []
  let job = 0
  for (let h = 0; h < 24; h++) {
    const n = h === 13 ? 40 : 10
    for (let i = 0; i < n; i++) {
      job++
      events.push({ _tag: "JobEnqueued", at: at(h, 0, i), job: `j${job}`, project: "p", episode: job })
      events.push({ _tag: "JobCommitted", at: at(h, 30, i), job: `j${job}`, project: "p", episode: job, durationMs: h === 13 ? 3000 : 1000, reward: 0.9 })
    }
  }
  events.push({ _tag: "JobDead", at: at(23, 10), job: "d1", project: "q", episode: 1, reason: "poison" })
  events.push({ _tag: "JobDead", at: at(23, 20), job: "d2", project: "q", episode: 2, reason: "poison" })
  for (let i = 1; i <= 100; i++) events.push({ _tag: "StageFinished", at: at(5, 0, i), job: `j${i}`, stage: "writer", ms: i, ok: i > 3 })
  for (let i = 1; i <= 10; i++) events.push({ _tag: "StageFinished", at: at(5, 5, i), job: `j${i}`, stage: "guard", ms: 5, ok: true })
  events.push({ _tag: "ChildExited", at: at(8), supervisor: "factory", child: "writer-1", outcome: "failure", cause: "Error: boom\n  at x" })
  for (let i = 0; i < 3; i++) events.push({ _tag: "ChildRestarting", at: at(8, 0, i), supervisor: "factory", child: "writer-1", attempt: i + 1, delayMs: 1000 })
  events.push({ _tag: "ChildStarted", at: at(8, 0, 5), supervisor: "factory", child: "writer-1" })
  events.push({ _tag: "ChildRestarting", at: at(9), supervisor: "factory", child: "writer-2", attempt: 1, delayMs: 1000 })
  events.push({ _tag: "BreakerChanged", at: at(10), breaker: "llm", from: "closed", to: "open", reason: "5 failures" })
  events.push({ _tag: "BreakerChanged", at: at(10, 0, 10), breaker: "llm", from: "open", to: "half-open", reason: null })
  events.push({ _tag: "BreakerChanged", at: at(10, 0, 42.5), breaker: "llm", from: "half-open", to: "closed", reason: null })
  events.push({ _tag: "BreakerChanged", at: at(23, 30), breaker: "queue", from: "closed", to: "open", reason: "redis down" })
  events.push({ _tag: "Alert", at: at(12), rule: "queue.depth-critical", state: "firing", message: "25 jobs queued, above the critical depth of 20" })
  events.push({ _tag: "Alert", at: at(12, 15), rule: "queue.depth-critical", state: "resolved", message: "3 jobs queued" })
  events.push({ _tag: "Alert", at: at(23), rule: "finance.daily-budget", state: "firing", message: "daily LLM budget of $5.00 reached" })
  events.push({ _tag: "JobCommitted", at: FROM - 1, job: "old", project: "p", episode: 0, durationMs: 99_999, reward: 0.1 })
  return events
}
