/**
 * What a chaos day is asked to do, as plain data: the CLI builds it from flags, the runner in
 * `chaos/` carries it out. It lives in `src/` so that the `chaos` command does not import the
 * runner (which starts processes and Redis); the composition root hands the runner in.
 */

export const SCENARIOS = ["kill-worker", "kill-process", "redis-down", "llm-faults", "store-errors"] as const
export type ScenarioName = (typeof SCENARIOS)[number]

export interface ChaosOptions {
  readonly seed: number
  /** How long each fault lasts (a crash window, an outage). */
  readonly durationMs: number
  /** Every recovery must happen within this (default 300 s). */
  readonly boundMs: number
  readonly projects: number
  readonly episodes: number
  readonly concurrency: number
  /** Offline writer pace per LLM call (FACTORY_OFFLINE_LATENCY_MS), so faults land mid-run. */
  readonly paceMs: number
  /** Short leases and back-offs (CI smoke runs); otherwise the product's defaults. */
  readonly fast: boolean
  /** SIGKILLs in `kill-process`. */
  readonly kills: number
  /** Fault probability of `kill-worker` (per fault point) and `store-errors` (per commit). */
  readonly faultRate: number
  readonly keepData: boolean
  readonly out: (line: string) => void
}

export const defaultChaosOptions: Omit<ChaosOptions, "out"> = {
  seed: 1,
  durationMs: 20_000,
  boundMs: 300_000,
  projects: 3,
  episodes: 8,
  concurrency: 3,
  paceMs: 300,
  fast: false,
  kills: 2,
  faultRate: 0.15,
  keepData: false,
}

/** Runs the named scenarios one after another; `ok` only when nothing was lost or duplicated and every recovery met the bound. */
export type RunChaos = (names: ReadonlyArray<ScenarioName>, options: ChaosOptions) => Promise<{ readonly ok: boolean }>
