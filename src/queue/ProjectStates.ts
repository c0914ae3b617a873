import { isFinal, type JobState } from "../domain/Job.ts"
import type { ProjectHold, ProjectState } from "./JobQueue.ts"

/** Jobs of one project in one state; `live` is 1 for leased jobs whose lease has not run out. */
export interface StateCount {
  readonly project: string
  readonly state: JobState
  readonly live: number
  readonly n: number
}

/** A project's head: its lowest job that is neither committed nor skipped. */
export interface HeadOf {
  readonly project: string
  readonly episode: number
  readonly state: JobState
  readonly reason: string | null
}

export interface OperatorHold {
  readonly project: string
  readonly reason: string
}

/**
 * Each adapter reads its own tables; the shape of the answer (what counts as in flight, which
 * hold wins) is decided here once, so the adapters cannot drift apart. Sorted by project.
 */
export const projectStatesOf = (
  counts: ReadonlyArray<StateCount>,
  heads: ReadonlyArray<HeadOf>,
  holds: ReadonlyArray<OperatorHold>,
): ReadonlyArray<ProjectState> => {
  const names = new Set([...counts.map((c) => c.project), ...holds.map((h) => h.project)])
  const headOf = new Map(heads.map((h) => [h.project, h]))
  const holdOf = new Map(holds.map((h) => [h.project, h.reason]))
  return [...names].sort().map((project) => {
    const tally = { queued: 0, inFlight: 0, committed: 0, dead: 0, skipped: 0 }
    for (const c of counts) {
      if (c.project !== project) continue
      if (c.state === "committed" || c.state === "dead" || c.state === "skipped") tally[c.state] += c.n
      else if (!isFinal(c.state) && c.state !== "queued" && c.live === 1) tally.inFlight += c.n
      else tally.queued += c.n
    }
    const head = headOf.get(project)
    const operator = holdOf.get(project)
    const held: ProjectHold | null = head?.state === "dead"
      ? { by: "dead-episode", episode: head.episode, reason: head.reason ?? "dead" }
      : operator !== undefined
      ? { by: "operator", reason: operator }
      : null
    return { project, held, ...tally, ...(head === undefined ? {} : { next: head.episode }) }
  })
}
