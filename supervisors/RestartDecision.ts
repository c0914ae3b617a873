import type { ExitOutcome } from "../src/events/FactoryEvent.ts"
import type { RestartType } from "./ChildSpec.ts"
import { type Intensity, recordRestart, type RestartWindow } from "./Intensity.ts"

/**
 * OTP restart strategies.
 * - `one-for-one`: only the child that exited is restarted.
 * - `one-for-all`: every other child is stopped (reverse order) and all are
 *   restarted (in order): for children that cannot work without each other.
 * - `rest-for-one`: the children started after the one that exited are stopped
 *   and restarted with it: for a chain where later children depend on earlier.
 */
export type Strategy = "one-for-one" | "one-for-all" | "rest-for-one"

/** A sibling as the decision needs to see it. */
export interface SiblingView {
  readonly id: string
  readonly restart: RestartType
  /**
   * `active`: has a live fiber (to be stopped if affected); `backing-off`:
   * waiting for its own restart (joins the new restart group instead);
   * `inactive`: stopped for good (a transient that finished), left alone.
   */
  readonly status: "active" | "backing-off" | "inactive"
}

export interface DecisionInput {
  readonly strategy: Strategy
  /** All children in start order, including the one that exited. */
  readonly children: ReadonlyArray<SiblingView>
  readonly exited: { readonly id: string; readonly restart: RestartType; readonly outcome: ExitOutcome }
  readonly intensity: Intensity
  readonly window: RestartWindow
  readonly now: number
}

export type Decision =
  /** The child is not restarted; `remove` says whether its spec is dropped (temporary). */
  | { readonly _tag: "LetItRest"; readonly remove: boolean }
  /**
   * Stop `stop` (already in reverse start order), drop `remove` (temporary
   * siblings that were stopped: OTP never restarts them), then after the
   * back-off start `restart` in start order.
   */
  | {
    readonly _tag: "Restart"
    readonly stop: ReadonlyArray<string>
    readonly remove: ReadonlyArray<string>
    readonly restart: ReadonlyArray<string>
    readonly window: RestartWindow
  }
  /** One restart too many within the window: stop everything and fail to the parent. */
  | { readonly _tag: "Escalate"; readonly window: RestartWindow }

/** Whether a child of this restart type is restarted after this kind of exit. */
export const shouldRestart = (restart: RestartType, outcome: ExitOutcome): boolean => {
  switch (restart) {
    case "permanent":
      return true
    case "transient":
      return outcome === "failure"
    case "temporary":
      return false
  }
}

/** Which siblings a restart of `exitedIndex` drags along, by strategy. */
const affectedSiblings = (
  strategy: Strategy,
  children: ReadonlyArray<SiblingView>,
  exitedIndex: number,
): ReadonlyArray<SiblingView> => {
  switch (strategy) {
    case "one-for-one":
      return []
    case "one-for-all":
      return children.filter((child, index) => index !== exitedIndex && child.status !== "inactive")
    case "rest-for-one":
      return children.filter((child, index) => index > exitedIndex && child.status !== "inactive")
  }
}

/**
 * The whole restart policy of a supervisor, as one pure function: what to do
 * when a child exits. Intensity counts one restart per exit, however many
 * siblings the strategy restarts with it (as OTP does).
 */
export const decide = (input: DecisionInput): Decision => {
  const { exited } = input
  if (!shouldRestart(exited.restart, exited.outcome)) {
    return { _tag: "LetItRest", remove: exited.restart === "temporary" }
  }
  const { window, exceeded } = recordRestart(input.window, input.now, input.intensity)
  if (exceeded) return { _tag: "Escalate", window }

  const exitedIndex = input.children.findIndex((child) => child.id === exited.id)
  const affected = affectedSiblings(input.strategy, input.children, exitedIndex)
  const affectedIds = new Set(affected.map((child) => child.id))
  const stop = affected.filter((child) => child.status === "active").map((child) => child.id).reverse()
  const remove = affected.filter((child) => child.restart === "temporary").map((child) => child.id)
  const restart = input.children
    .filter((child) => child.id === exited.id || (affectedIds.has(child.id) && child.restart !== "temporary"))
    .map((child) => child.id)
  return { _tag: "Restart", stop, remove, restart, window }
}
