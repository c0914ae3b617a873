/**
 * Supervision overhead, each figure beside a bare-fiber baseline measured in the same run:
 *
 * - spawn: start 10,000 children (until every one has run) under `Supervisor.start`, vs
 *   `Effect.forkChild` of the same 10,000 effects;
 * - dynamic spawn: the same through `DynamicSupervisor.startChild` (one mailbox round trip each);
 * - shutdown: closing the supervisor's scope (reverse-order stop, each awaited), vs `Fiber.interruptAll`;
 * - restart latency: a child that crashes on start, restarted with a zero back-off, per restart,
 *   vs a bare loop that forks, awaits the exit and forks again.
 *
 *   node bench/supervision.ts          (CHILDREN=10000 RESTARTS=10000 to change the sizes)
 */
import { Deferred, Effect, Exit, Fiber, Schedule, Scope } from "effect"
import { EventBus } from "../src/events/EventBus.ts"
import { ChildSpec } from "../supervisors/ChildSpec.ts"
import * as DynamicSupervisor from "../supervisors/DynamicSupervisor.ts"
import * as Supervisor from "../supervisors/Supervisor.ts"
import type { BenchResult } from "./BenchResult.ts"


const CHILDREN = Number(process.env.CHILDREN ?? 10_000)
const RESTARTS = Number(process.env.RESTARTS ?? 10_000)

const elapsedMs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

/** A child body that reports it ran, then lives until stopped. */
const liveChild = (started: { n: number }, all: Deferred.Deferred<void>, total: number) =>
  Effect.suspend(() => {
    if (++started.n === total) Deferred.doneUnsafe(all, Exit.void)
    return Effect.never
  })

interface SpawnFigures {
  readonly spawnMs: number
  readonly stopMs: number
}

const bareSpawn = (n: number) =>
  Effect.gen(function* () {
    const started = { n: 0 }
    const all = yield* Deferred.make<void>()
    const fibers: Array<Fiber.Fiber<never>> = []
    const spawnMs = yield* elapsedMs(Effect.gen(function* () {
      for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkChild(liveChild(started, all, n)))
      yield* Deferred.await(all)
    }))
    const stopMs = yield* elapsedMs(Fiber.interruptAll(fibers))
    return { spawnMs, stopMs } satisfies SpawnFigures
  })

const supervisedSpawn = (n: number) =>
  Effect.gen(function* () {
    const started = { n: 0 }
    const all = yield* Deferred.make<void>()
    const children = Array.from({ length: n }, (_, i) => ChildSpec.permanent(`c${i}`, liveChild(started, all, n)))
    const scope = yield* Scope.make()
    const spawnMs = yield* elapsedMs(Effect.gen(function* () {
      yield* Supervisor.start({ name: "bench", children }).pipe(Scope.provide(scope))
      yield* Deferred.await(all)
    }))
    const stopMs = yield* elapsedMs(Scope.close(scope, Exit.void))
    return { spawnMs, stopMs } satisfies SpawnFigures
  })

const dynamicSpawn = (n: number) =>
  Effect.gen(function* () {
    const started = { n: 0 }
    const all = yield* Deferred.make<void>()
    const scope = yield* Scope.make()
    const spawnMs = yield* elapsedMs(Effect.gen(function* () {
      const supervisor = yield* DynamicSupervisor.start({ name: "bench-dynamic" }).pipe(Scope.provide(scope))
      for (let i = 0; i < n; i++) yield* supervisor.startChild(ChildSpec.permanent(`c${i}`, liveChild(started, all, n)))
      yield* Deferred.await(all)
    }))
    yield* Scope.close(scope, Exit.void)
    return spawnMs
  })

/** Forks, waits for the crash, forks again: what a supervisor does, minus the supervisor. */
const bareRestarts = (n: number) =>
  elapsedMs(Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* Fiber.await(yield* Effect.forkChild(Effect.fail("crash")))
  }))

const supervisedRestarts = (n: number) =>
  Effect.gen(function* () {
    let runs = 0
    const done = yield* Deferred.make<void>()
    const crashy = Effect.suspend(() => {
      if (++runs <= n) return Effect.fail("crash")
      Deferred.doneUnsafe(done, Exit.void)
      return Effect.never
    })
    const scope = yield* Scope.make()
    const ms = yield* elapsedMs(Effect.gen(function* () {
      yield* Supervisor.start({
        name: "bench-restarts",
        backoff: Schedule.spaced(0),
        // A realistic window size: the intensity check is O(restarts in the window).
        intensity: { maxRestarts: 1_000, within: "1 millis" },
        children: [ChildSpec.permanent("crashy", crashy)],
      }).pipe(Scope.provide(scope))
      yield* Deferred.await(done)
    }))
    yield* Scope.close(scope, Exit.void)
    return ms
  })

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits

export const run = (): Promise<Array<BenchResult>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      // JIT warm-up of every path.
      yield* bareSpawn(1_000)
      yield* supervisedSpawn(1_000)
      yield* dynamicSpawn(1_000)
      yield* bareRestarts(1_000)
      yield* supervisedRestarts(1_000)

      const bare = yield* bareSpawn(CHILDREN)
      const supervised = yield* supervisedSpawn(CHILDREN)
      const dynamicMs = yield* dynamicSpawn(CHILDREN)
      const bareRestartMs = yield* bareRestarts(RESTARTS)
      const supervisedRestartMs = yield* supervisedRestarts(RESTARTS)

      const perChildUs = (ms: number) => round((ms * 1_000) / CHILDREN)
      const perRestartUs = (ms: number) => round((ms * 1_000) / RESTARTS)
      return [
        {
          name: `spawn ${CHILDREN} supervised children`,
          value: perChildUs(supervised.spawnMs),
          unit: "µs/child",
          baseline: perChildUs(bare.spawnMs),
          ratio: round(supervised.spawnMs / bare.spawnMs, 2),
          note: `total ${round(supervised.spawnMs, 1)} ms vs bare forkChild ${round(bare.spawnMs, 1)} ms; includes a ChildStarted event each`,
        },
        {
          name: `spawn ${CHILDREN} via DynamicSupervisor.startChild`,
          value: perChildUs(dynamicMs),
          unit: "µs/child",
          baseline: perChildUs(bare.spawnMs),
          ratio: round(dynamicMs / bare.spawnMs, 2),
          note: "one mailbox round trip per child",
        },
        {
          name: `stop ${CHILDREN} supervised children`,
          value: perChildUs(supervised.stopMs),
          unit: "µs/child",
          baseline: perChildUs(bare.stopMs),
          ratio: round(supervised.stopMs / bare.stopMs, 2),
          note: "reverse order, each awaited within its grace, vs Fiber.interruptAll",
        },
        {
          name: "restart latency (zero back-off)",
          value: perRestartUs(supervisedRestartMs),
          unit: "µs/restart",
          baseline: perRestartUs(bareRestartMs),
          ratio: round(supervisedRestartMs / bareRestartMs, 2),
          note: `${RESTARTS} crash→restart cycles; baseline: fork, await exit, fork again`,
        },
      ] satisfies Array<BenchResult>
    }).pipe(Effect.provide(EventBus.layer())),
  )

if (import.meta.main) {
  const results = await run()
  console.table(results.map((r) => ({ measure: r.name, value: `${r.value} ${r.unit}`, baseline: r.baseline, ratio: r.ratio, note: r.note })))
}
