import { Effect, type Duration, type Scope, Semaphore } from "effect"
import type { EventBus } from "../src/events/EventBus.ts"
import type { BackoffSchedule } from "./Backoff.ts"
import type { ChildSpec } from "./ChildSpec.ts"
import * as Supervisor from "./Supervisor.ts"
import { type DuplicateChild, type SupervisorStopped, TooManyChildren } from "./SupervisorErrors.ts"

/**
 * OTP's simple-one-for-one / Elixir's DynamicSupervisor: starts with no
 * children; children are added and removed at run time, each restarted on its
 * own (one-for-one). The base of worker pools.
 *
 * To place one in a tree, start it inside a child of the parent supervisor (the
 * child that owns it and decides what to add): it then appears as that child's
 * subtree in snapshots and stops with it. See `WorkerPool` for an example.
 */
export interface DynamicSupervisorSpec {
  readonly name: string
  /** Refuse `startChild` beyond this many children. Default: unbounded. */
  readonly maxChildren?: number | undefined
  readonly intensity?: Supervisor.SupervisorSpec["intensity"]
  readonly backoff?: BackoffSchedule | undefined
  readonly resetAfter?: Duration.Input | undefined
}

export interface DynamicSupervisor<R = never> extends Omit<Supervisor.Supervisor<R>, "startChild"> {
  readonly startChild: (
    spec: ChildSpec<any, R | Scope.Scope>,
  ) => Effect.Effect<void, DuplicateChild | TooManyChildren | SupervisorStopped>
}

const startTraced = Effect.fn("DynamicSupervisor.start")(function* (spec: DynamicSupervisorSpec) {
  const children: ReadonlyArray<ChildSpec<any, any>> = []
  const supervisor = yield* Supervisor.start({ ...spec, strategy: "one-for-one", children })
  const max = spec.maxChildren ?? Number.POSITIVE_INFINITY
  // Serialises count-then-start, so two concurrent callers cannot both take the last slot.
  const admission = yield* Semaphore.make(1)
  const dynamic: DynamicSupervisor<any> = {
    ...supervisor,
    startChild: (childSpec) =>
      admission.withPermits(1)(
        Effect.gen(function* () {
          if ((yield* supervisor.childCount) >= max) return yield* new TooManyChildren({ supervisor: supervisor.path, max })
          yield* supervisor.startChild(childSpec)
        }),
      ),
  }
  return dynamic
})

/** Starts a dynamic supervisor in the current scope (see `Supervisor.start`). */
export const start = <R = never>(
  spec: DynamicSupervisorSpec,
): Effect.Effect<DynamicSupervisor<R>, never, Scope.Scope | EventBus | Exclude<R, Scope.Scope>> =>
  // `R` (the services later children need) appears in no argument, so it is fixed here, not inferred.
  startTraced(spec) as Effect.Effect<DynamicSupervisor<R>, never, Scope.Scope | EventBus | Exclude<R, Scope.Scope>>
