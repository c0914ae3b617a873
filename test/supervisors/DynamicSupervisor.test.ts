import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { TestClock } from "effect/testing"
import { EventBus } from "../../src/events/EventBus.ts"
import * as Backoff from "../../supervisors/Backoff.ts"
import * as DynamicSupervisor from "../../supervisors/DynamicSupervisor.ts"
import * as Supervisor from "../../supervisors/Supervisor.ts"
import * as WorkerPool from "../../supervisors/WorkerPool.ts"
import { makePuppets, settle } from "./harness.ts"

const withBus = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.scoped, Effect.provide(EventBus.layer({ keep: 10_000 })))

describe("DynamicSupervisor", () => {
  it.effect("starts and stops children at run time, up to maxChildren, restarting each on its own", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const supervisor = yield* DynamicSupervisor.start({
        name: "jobs",
        maxChildren: 2,
        backoff: Backoff.exponential({ base: "1 second", jitter: false }),
      })
      yield* supervisor.startChild(puppets.child("j1"))
      yield* supervisor.startChild(puppets.child("j2"))
      expect(yield* Effect.flip(supervisor.startChild(puppets.child("j3")))).toMatchObject({
        _tag: "TooManyChildren",
        max: 2,
      })
      yield* settle
      yield* puppets.send("j1", "crash")
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(puppets.log).toEqual(["start:j1", "start:j2", "stop:j1", "start:j1"])
      yield* supervisor.stopChild("j2")
      yield* supervisor.startChild(puppets.child("j3"))
      expect(yield* supervisor.childIds).toEqual(["j1", "j3"])
    })))

  it.effect("a temporary child that finishes leaves, making room", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const supervisor = yield* DynamicSupervisor.start({ name: "tasks", maxChildren: 1 })
      yield* supervisor.startChild(puppets.child("t1", "temporary"))
      yield* settle
      yield* puppets.send("t1", "exit")
      yield* settle
      expect(yield* supervisor.childIds).toEqual([])
      yield* supervisor.startChild(puppets.child("t2", "temporary"))
    })))
})

describe("WorkerPool", () => {
  it.effect("grows and shrinks between min and max, newest workers stopping first", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const pool = yield* WorkerPool.start({ name: "writer", min: 1, max: 3, initial: 2, worker: (id) => puppets.child(id) })
      expect(yield* pool.size).toBe(2)
      expect(yield* pool.resize(10)).toBe(3)
      yield* settle
      expect(yield* pool.resize(0)).toBe(1)
      expect(yield* pool.supervisor.childIds).toEqual(["writer-1"])
      expect(puppets.log).toEqual([
        "start:writer-1",
        "start:writer-2",
        "start:writer-3",
        "stop:writer-3",
        "stop:writer-2",
      ])
      expect(yield* pool.resize(2)).toBe(2)
      expect(yield* pool.supervisor.childIds).toEqual(["writer-1", "writer-4"])
    })))

  it.effect("a pool started inside a child appears as that child's subtree, and stops with it", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const scope = yield* Scope.make()
      const root = yield* Supervisor.start({
        name: "factory",
        children: [{
          id: "writers",
          restart: "permanent",
          shutdown: { graceMs: Number.POSITIVE_INFINITY },
          run: Effect.andThen(
            WorkerPool.start({ name: "writer", min: 2, max: 4, worker: (id) => puppets.child(id) }),
            Effect.never,
          ),
        }],
      }).pipe(Scope.provide(scope))
      yield* settle
      const snapshot = yield* root.snapshot
      expect(snapshot.children[0].subtree).toMatchObject({
        supervisor: "factory/writers/writer",
        children: [{ id: "writer-1", state: "running" }, { id: "writer-2", state: "running" }],
      })
      yield* Scope.close(scope, Exit.void)
      expect(puppets.log.slice(2)).toEqual(["stop:writer-2", "stop:writer-1"])
      expect(puppets.fibers.every((fiber) => fiber.pollUnsafe() !== undefined)).toBe(true)
    })))
})
