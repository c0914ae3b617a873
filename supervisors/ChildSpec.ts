import type { Effect } from "effect"

/**
 * OTP restart types.
 * - `permanent`: always restarted, whatever the exit.
 * - `transient`: restarted only when it fails (a defect or an error); a normal
 *   exit or an interruption is accepted as "done".
 * - `temporary`: never restarted; removed from the supervisor when it exits.
 */
export type RestartType = "permanent" | "transient" | "temporary"

/**
 * How long a child may take to stop. Stopping interrupts the child at once (the
 * interruption is the polite signal: its finalizers and `onInterrupt` handlers
 * are its chance to drain), then the supervisor waits at most `graceMs` for it to
 * finish. A child still running after that is stuck in an uninterruptible region
 * and is *forced down*: the supervisor stops waiting, records it as stopped (with
 * `forced`), and moves on; the pending interruption kills the fiber the moment it
 * leaves that region. (A JavaScript fiber cannot be preempted, so "forced" means
 * "no longer waited for", never "killed mid-instruction".)
 * `Infinity` waits for ever, OTP's `infinity`, the default for nested supervisors,
 * which bound their own shutdown by their children's grace periods.
 */
export interface Shutdown {
  readonly graceMs: number
}

/**
 * A child of a supervisor, as plain data: which effect to run, when to restart it
 * and how to stop it. `run` runs the child for as long as it lives; it gets its
 * own `Scope` per incarnation (closed when that incarnation ends), so a child may
 * acquire resources with `Effect.acquireRelease` directly.
 */
export interface ChildSpec<E = unknown, R = never> {
  readonly id: string
  readonly run: Effect.Effect<void, E, R>
  readonly restart: RestartType
  readonly shutdown: Shutdown
}

/** Default grace period of a worker: 5 s, as OTP's 5000 ms. */
export const defaultGraceMs = 5_000

export interface ChildOptions {
  readonly restart?: RestartType | undefined
  readonly graceMs?: number | undefined
}

const make = <E, R>(id: string, run: Effect.Effect<void, E, R>, options?: ChildOptions): ChildSpec<E, R> => ({
  id,
  run,
  restart: options?.restart ?? "permanent",
  shutdown: { graceMs: options?.graceMs ?? defaultGraceMs },
})

/** Constructors of child specs. `ChildSpec.make` defaults to `permanent` and a 5 s grace. */
export const ChildSpec = {
  make,
  permanent: <E, R>(id: string, run: Effect.Effect<void, E, R>, options?: Omit<ChildOptions, "restart">) =>
    make(id, run, { ...options, restart: "permanent" }),
  transient: <E, R>(id: string, run: Effect.Effect<void, E, R>, options?: Omit<ChildOptions, "restart">) =>
    make(id, run, { ...options, restart: "transient" }),
  temporary: <E, R>(id: string, run: Effect.Effect<void, E, R>, options?: Omit<ChildOptions, "restart">) =>
    make(id, run, { ...options, restart: "temporary" }),
} as const
