import type { RestartType } from "./ChildSpec.ts"
import type { Strategy } from "./RestartDecision.ts"

/**
 * The supervision tree at one moment, as plain JSON-serializable data: what the
 * dashboard draws and `novel-factory status` prints.
 */
export interface SupervisorSnapshot {
  /** Path from the root, e.g. `factory/writers`. */
  readonly supervisor: string
  readonly strategy: Strategy
  readonly status: "running" | "stopped" | "escalated"
  /** Restarts inside the current intensity window, next to the allowed maximum. */
  readonly restartsInWindow: number
  readonly maxRestarts: number
  /** Fibers forced down after their grace period that have not finished yet. */
  readonly stuckFibers: number
  readonly children: ReadonlyArray<ChildSnapshot>
}

export type ChildState = "starting" | "running" | "backing-off" | "stopped"

export interface ChildSnapshot {
  readonly id: string
  readonly restart: RestartType
  readonly state: ChildState
  /** Only when `backing-off`: ms left before the restart. */
  readonly backoffRemainingMs: number | null
  /** Times the child was scheduled for a restart (one per `ChildRestarting` event). */
  readonly restarts: number
  /** Pretty-printed cause of the last failure, if it ever failed. */
  readonly lastError: string | null
  /** When this child is itself a supervisor (and is up): its subtree. */
  readonly subtree: SupervisorSnapshot | null
}

/** Flattens a tree into `[path, child]` rows, depth first: handy for tables and tests. */
export const flattenSnapshot = (
  snapshot: SupervisorSnapshot,
): ReadonlyArray<{ readonly path: string; readonly child: ChildSnapshot }> =>
  snapshot.children.flatMap((child) => [
    { path: `${snapshot.supervisor}/${child.id}`, child },
    ...(child.subtree === null ? [] : flattenSnapshot(child.subtree)),
  ])
