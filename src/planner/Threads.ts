import type { Outline, Thread } from "../domain/Outline.ts"
import { defaultPlanning } from "./PlanningConfig.ts"

export interface OverdueThread {
  readonly thread: Thread
  /** Episodes past the planned payoff. */
  readonly overdueBy: number
}

/**
 * Open threads whose planned payoff lies at least `overdueEpisodes` (`planning.threadOverdueEpisodes`)
 * committed episodes in the past: the reader has waited too long for an answer. Pure; the lead
 * wires the alert.
 */
export const overdueThreads = (
  outline: Outline,
  lastCommitted: number,
  overdueEpisodes: number = defaultPlanning.threadOverdueEpisodes,
): ReadonlyArray<OverdueThread> =>
  outline.threads
    .filter((t) => t.state === "open" && t.plannedPayoff !== undefined && lastCommitted - t.plannedPayoff >= overdueEpisodes)
    .map((t) => ({ thread: t, overdueBy: lastCommitted - t.plannedPayoff! }))
    .sort((a, b) => b.overdueBy - a.overdueBy)
