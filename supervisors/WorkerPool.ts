import { Effect, type Scope, Semaphore } from "effect"
import type { EventBus } from "../src/events/EventBus.ts"
import type { ChildSpec } from "./ChildSpec.ts"
import * as DynamicSupervisor from "./DynamicSupervisor.ts"
import type { SupervisorStopped } from "./SupervisorErrors.ts"

/**
 * A pool of identical workers under one dynamic supervisor, sized between `min`
 * and `max`: the writer / guard / editor actor pools. The pool owner (typically a
 * child that watches queue depth) resizes it; the supervisor restarts crashed
 * workers one by one. Workers should be `permanent`: a worker that exits for
 * good shrinks the pool below the size it was given.
 */
export interface WorkerPoolSpec<R> extends Omit<DynamicSupervisor.DynamicSupervisorSpec, "maxChildren"> {
  readonly min: number
  readonly max: number
  /** Workers started at once; default `min`. */
  readonly initial?: number | undefined
  /** The spec of one worker; `id` is `${name}-${n}`, unique over the pool's life. */
  readonly worker: (id: string) => ChildSpec<any, R | Scope.Scope>
}

export interface WorkerPool<R = never> {
  readonly supervisor: DynamicSupervisor.DynamicSupervisor<R>
  readonly size: Effect.Effect<number>
  /** Grows or shrinks (newest workers stop first) to `target` clamped to [min, max]; returns the new size. */
  readonly resize: (target: number) => Effect.Effect<number, SupervisorStopped>
}

export const start: <R>(
  spec: WorkerPoolSpec<R>,
) => Effect.Effect<WorkerPool<R>, never, Scope.Scope | EventBus | Exclude<R, Scope.Scope>> = Effect.fn(
  "WorkerPool.start",
)(function* <R>(spec: WorkerPoolSpec<R>) {
  const { min, max } = spec
  if (!(Number.isInteger(min) && Number.isInteger(max) && 0 <= min && min <= max)) {
    return yield* Effect.die(new RangeError(`worker pool ${spec.name}: need integers 0 <= min <= max, got ${min}..${max}`))
  }
  const supervisor = yield* DynamicSupervisor.start<R>({ ...spec, maxChildren: max })
  const resizing = yield* Semaphore.make(1)
  let serial = 0
  const size = Effect.map(supervisor.childIds, (ids) => ids.length)

  const resize = (target: number) =>
    resizing.withPermits(1)(
      Effect.gen(function* () {
        const wanted = Math.min(max, Math.max(min, Math.round(target)))
        let ids = yield* supervisor.childIds
        while (ids.length < wanted) {
          yield* supervisor.startChild(spec.worker(`${spec.name}-${++serial}`)).pipe(
            // Ids are fresh and the count is under max while we hold the permit.
            Effect.catchTags({ DuplicateChild: Effect.die, TooManyChildren: Effect.die }),
          )
          ids = yield* supervisor.childIds
        }
        while (ids.length > wanted) {
          yield* supervisor.stopChild(ids[ids.length - 1]).pipe(Effect.catchTag("UnknownChild", () => Effect.void))
          ids = yield* supervisor.childIds
        }
        return ids.length
      }),
    )

  yield* resize(spec.initial ?? min).pipe(Effect.orDie)
  const pool: WorkerPool<R> = { supervisor, size, resize }
  return pool
})
