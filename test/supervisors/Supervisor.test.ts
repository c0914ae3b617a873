import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Fiber, Option, Random, Scope } from "effect"
import { TestClock } from "effect/testing"
import { EventBus } from "../../src/events/EventBus.ts"
import * as Backoff from "../../supervisors/Backoff.ts"
import { ChildSpec } from "../../supervisors/ChildSpec.ts"
import * as Supervisor from "../../supervisors/Supervisor.ts"
import { escalationPath, rootCause, SupervisorEscalation } from "../../supervisors/SupervisorEscalation.ts"
import { Boom, describeEvent, makePuppets, settle, supervisionEvents } from "./harness.ts"

/** Exact delays: 1 s, 2 s, 4 s … capped at 8 s, no jitter. */
const exactBackoff = Backoff.exponential({ base: "1 second", max: "8 seconds", jitter: false })
const lenient = { maxRestarts: 100, within: "1 minute" } as const

const withBus = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provide(EventBus.layer({ keep: 10_000 })))

const eventLines = Effect.map(supervisionEvents, (events) => events.map(describeEvent))

describe("Supervisor", () => {
  it.effect("starts children in order and stops them in reverse order when its scope closes", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const scope = yield* Scope.make()
      yield* Supervisor.start({
        name: "root",
        children: [puppets.child("a"), puppets.child("b"), puppets.child("c")],
      }).pipe(Scope.provide(scope))
      yield* settle
      expect(puppets.log).toEqual(["start:a", "start:b", "start:c"])
      yield* Scope.close(scope, Exit.void)
      expect(puppets.log).toEqual(["start:a", "start:b", "start:c", "stop:c", "stop:b", "stop:a"])
      expect(yield* eventLines).toEqual([
        "root started a",
        "root started b",
        "root started c",
        "root exited c interrupted",
        "root exited b interrupted",
        "root exited a interrupted",
      ])
      expect(puppets.fibers.every((fiber) => fiber.pollUnsafe() !== undefined)).toBe(true)
    })))

  it.effect("one-for-one restarts only the child that crashed, after its back-off", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const supervisor = yield* Supervisor.start({
        name: "root",
        strategy: "one-for-one",
        backoff: exactBackoff,
        intensity: lenient,
        children: [puppets.child("a"), puppets.child("b"), puppets.child("c")],
      })
      yield* settle
      puppets.log.length = 0
      yield* puppets.send("b", "crash")
      yield* settle
      expect(puppets.log).toEqual(["stop:b"])
      const during = yield* supervisor.snapshot
      expect(during.children.map((child) => child.state)).toEqual(["running", "backing-off", "running"])
      expect(during.children[1].backoffRemainingMs).toBe(1_000)
      expect(during.children[1].lastError).toContain("Boom")
      yield* TestClock.adjust("999 millis")
      expect(puppets.isRunning("b")).toBe(false)
      yield* TestClock.adjust("1 millis")
      yield* settle
      expect(puppets.log).toEqual(["stop:b", "start:b"])
      const after = yield* supervisor.snapshot
      expect(after.children.map((child) => [child.state, child.restarts])).toEqual([
        ["running", 0],
        ["running", 1],
        ["running", 0],
      ])
    }).pipe(Effect.scoped)))

  it.effect("one-for-all stops the others in reverse order and restarts all in order", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      yield* Supervisor.start({
        name: "root",
        strategy: "one-for-all",
        backoff: exactBackoff,
        intensity: lenient,
        children: [puppets.child("a"), puppets.child("b"), puppets.child("c"), puppets.child("d")],
      })
      yield* settle
      puppets.log.length = 0
      yield* puppets.send("b", "crash")
      yield* settle
      expect(puppets.log).toEqual(["stop:b", "stop:d", "stop:c", "stop:a"])
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(puppets.log.slice(4)).toEqual(["start:a", "start:b", "start:c", "start:d"])
    }).pipe(Effect.scoped)))

  it.effect("rest-for-one restarts the crashed child and those started after it", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      yield* Supervisor.start({
        name: "root",
        strategy: "rest-for-one",
        backoff: exactBackoff,
        intensity: lenient,
        children: [puppets.child("a"), puppets.child("b"), puppets.child("c"), puppets.child("d")],
      })
      yield* settle
      puppets.log.length = 0
      yield* puppets.send("b", "crash")
      yield* settle
      expect(puppets.log).toEqual(["stop:b", "stop:d", "stop:c"])
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(puppets.log.slice(3)).toEqual(["start:b", "start:c", "start:d"])
      expect(puppets.isRunning("a")).toBe(true)
    }).pipe(Effect.scoped)))

  it.effect("restart types: permanent always, transient on failure only, temporary never (and is removed)", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const supervisor = yield* Supervisor.start({
        name: "root",
        backoff: exactBackoff,
        intensity: lenient,
        children: [
          puppets.child("perm", "permanent"),
          puppets.child("trans-ok", "transient"),
          puppets.child("trans-int", "transient"),
          puppets.child("trans-fail", "transient"),
          puppets.child("temp", "temporary"),
        ],
      })
      yield* settle
      yield* puppets.send("perm", "exit")
      yield* puppets.send("trans-ok", "exit")
      yield* puppets.send("trans-int", "interrupt")
      yield* puppets.send("trans-fail", "crash")
      yield* puppets.send("temp", "crash")
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* settle
      const snapshot = yield* supervisor.snapshot
      expect(snapshot.children.map((child) => [child.id, child.state, child.restarts])).toEqual([
        ["perm", "running", 1],
        ["trans-ok", "stopped", 0],
        ["trans-int", "stopped", 0],
        ["trans-fail", "running", 1],
      ])
      const exits = (yield* eventLines).filter((line) => line.includes("exited"))
      expect(exits).toEqual([
        "root exited perm success",
        "root exited trans-ok success",
        "root exited trans-int interrupted",
        "root exited trans-fail failure",
        "root exited temp failure",
      ])
    }).pipe(Effect.scoped)))

  it.effect("a stuck child is forced down after its grace period; a polite one is waited for", () =>
    withBus(Effect.gen(function* () {
      let stuckFinishedItsWork = false
      let politeCleanedUp = false
      const stuck = ChildSpec.permanent(
        "stuck",
        Effect.uninterruptible(Effect.sleep("1 hour")).pipe(Effect.andThen(Effect.sync(() => {
          stuckFinishedItsWork = true
        }))),
        { graceMs: 2_000 },
      )
      const polite = ChildSpec.permanent(
        "polite",
        Effect.never.pipe(Effect.onInterrupt(() =>
          Effect.sleep("500 millis").pipe(Effect.andThen(Effect.sync(() => {
            politeCleanedUp = true
          })))
        )),
        { graceMs: 2_000 },
      )
      const scope = yield* Scope.make()
      const supervisor = yield* Supervisor.start({ name: "root", children: [polite, stuck] }).pipe(Scope.provide(scope))
      yield* settle
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("1999 millis")
      expect(closing.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 millis") // stuck forced at 2 s, then polite needs 0.5 s
      yield* settle
      expect(closing.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(closing)
      expect(politeCleanedUp).toBe(true)
      expect((yield* supervisor.snapshot).stuckFibers).toBe(1)
      const events = yield* supervisionEvents
      const forced = events.find((event) => event._tag === "ChildExited" && event.child === "stuck")
      expect(forced).toMatchObject({ at: 2_000, outcome: "interrupted" })
      expect(forced?._tag === "ChildExited" && forced.cause).toContain("forced down")
      const politeExit = events.find((event) => event._tag === "ChildExited" && event.child === "polite")
      expect(politeExit).toMatchObject({ at: 2_500, outcome: "interrupted", cause: null })
      // The pending interruption takes the stuck fiber the moment its region ends.
      yield* TestClock.adjust("1 hour")
      yield* settle
      expect(stuckFinishedItsWork).toBe(false)
      expect((yield* supervisor.snapshot).stuckFibers).toBe(0)
    })))

  it.effect("back-off delays are exact without jitter: 5, 10, 20, 40, 60, 60 s", () =>
    withBus(Effect.gen(function* () {
      yield* Supervisor.start({
        name: "root",
        backoff: Backoff.exponential({ jitter: false }),
        intensity: { maxRestarts: 100, within: "1 hour" },
        children: [ChildSpec.permanent("flaky", Effect.fail(new Boom({ child: "flaky", n: 0 })))],
      })
      yield* settle
      yield* TestClock.adjust("10 minutes")
      const events = yield* supervisionEvents
      const delays = events.flatMap((event) => event._tag === "ChildRestarting" ? [event.delayMs] : [])
      expect(delays.slice(0, 7)).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000])
      const starts = events.flatMap((event) => event._tag === "ChildStarted" ? [event.at] : [])
      expect(starts.slice(0, 7)).toEqual([0, 5_000, 15_000, 35_000, 75_000, 135_000, 195_000])
      const attempts = events.flatMap((event) => event._tag === "ChildRestarting" ? [event.attempt] : [])
      expect(attempts.slice(0, 3)).toEqual([1, 2, 3])
    }).pipe(Effect.scoped)))

  it.effect("jittered back-off stays within ±20 % and is reproducible with a seeded Random", () =>
    withBus(Effect.gen(function* () {
      const firstDelays = Effect.gen(function* () {
        const timer = yield* Backoff.makeTimer(Backoff.defaultBackoff)
        const delays: Array<number> = []
        for (let i = 0; i < 8; i++) delays.push(Option.getOrThrow(yield* timer.next(undefined)))
        return delays
      })
      const a = yield* firstDelays.pipe(Random.withSeed(42))
      const b = yield* firstDelays.pipe(Random.withSeed(42))
      expect(a).toEqual(b)
      const nominal = [5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 60_000]
      a.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual(nominal[i] * 0.8)
        expect(delay).toBeLessThanOrEqual(nominal[i] * 1.2)
      })
      expect(a).not.toEqual(nominal)
    })))

  it.effect("a child that stayed up for resetAfter restarts from the base delay again", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const supervisor = yield* Supervisor.start({
        name: "root",
        backoff: exactBackoff,
        resetAfter: "30 seconds",
        intensity: lenient,
        children: [puppets.child("a")],
      })
      const upThenCrash = (upForMs: number) =>
        Effect.gen(function* () {
          yield* TestClock.adjust(Duration.millis(upForMs))
          expect(yield* puppets.send("a", "crash")).toBe(true)
          yield* settle
          // Exactly the back-off, so the next up-time is measured from the restart.
          const [a] = (yield* supervisor.snapshot).children
          yield* TestClock.adjust(Duration.millis(a.backoffRemainingMs ?? 0))
          yield* settle
        })
      yield* settle
      yield* upThenCrash(1_000) // 1 s
      yield* upThenCrash(1_000) // 2 s
      yield* upThenCrash(1_000) // 4 s
      yield* upThenCrash(29_999) // up just short of 30 s: 8 s
      yield* upThenCrash(30_000) // stable: back to 1 s
      yield* upThenCrash(1_000) // 2 s
      const delays = (yield* supervisionEvents).flatMap((event) => event._tag === "ChildRestarting" ? [event.delayMs] : [])
      expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 1_000, 2_000])
    }).pipe(Effect.scoped)))

  it.effect("exceeding the intensity escalates through two levels, carrying the original cause to the root", () =>
    withBus(Effect.gen(function* () {
      const leaf = Supervisor.child({
        name: "leaf",
        backoff: exactBackoff,
        intensity: { maxRestarts: 2, within: "1 minute" },
        children: [ChildSpec.permanent("worker", Effect.fail(new Boom({ child: "worker", n: 7 })))],
      })
      const mid = Supervisor.child({ name: "mid", intensity: { maxRestarts: 0, within: "1 minute" }, children: [leaf] })
      const root = yield* Supervisor.start({
        name: "root",
        intensity: { maxRestarts: 0, within: "1 minute" },
        children: [mid],
      })
      const outcome = yield* Effect.forkChild(Effect.flip(root.await))
      yield* settle
      yield* TestClock.adjust("1 minute")
      const escalation = yield* Fiber.join(outcome)
      expect(escalation).toBeInstanceOf(SupervisorEscalation)
      expect(escalationPath(escalation)).toEqual(["root", "root/mid", "root/mid/leaf"])
      const original = Cause.findErrorOption(rootCause(escalation.cause))
      expect(Option.getOrThrow(original)).toEqual(new Boom({ child: "worker", n: 7 }))
      expect(escalation.message).toContain("original cause")
      const lines = yield* eventLines
      // The leaf gave up at its 3rd crash (after 1 s + 2 s of back-off).
      expect(lines.filter((line) => line.includes("escalated"))).toEqual([
        "root/mid/leaf escalated",
        "root/mid escalated",
        "root escalated",
      ])
      const escalated = (yield* supervisionEvents).filter((event) => event._tag === "SupervisorEscalated")
      expect(escalated.map((event) => event.at)).toEqual([3_000, 3_000, 3_000])
      expect(escalated[2]._tag === "SupervisorEscalated" && escalated[2].cause).toContain("Boom")
      expect((yield* root.snapshot).status).toBe("escalated")
      expect(yield* Effect.flip(root.startChild(ChildSpec.permanent("late", Effect.never)))).toMatchObject({
        _tag: "SupervisorStopped",
      })
    }).pipe(Effect.scoped)))

  it.effect("a snapshot shows nested supervisors as subtrees and counts down back-off", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const root = yield* Supervisor.start({
        name: "root",
        backoff: exactBackoff,
        intensity: lenient,
        children: [
          puppets.child("a"),
          Supervisor.child({ name: "pool", children: [puppets.child("p1"), puppets.child("p2")] }),
        ],
      })
      yield* settle
      yield* puppets.send("a", "crash")
      yield* settle
      yield* TestClock.adjust("400 millis")
      const snapshot = yield* root.snapshot
      expect(snapshot).toMatchObject({
        supervisor: "root",
        status: "running",
        restartsInWindow: 1,
        children: [
          { id: "a", state: "backing-off", backoffRemainingMs: 600, restarts: 1, subtree: null },
          {
            id: "pool",
            state: "running",
            subtree: {
              supervisor: "root/pool",
              children: [{ id: "p1", state: "running" }, { id: "p2", state: "running" }],
            },
          },
        ],
      })
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot)
    }).pipe(Effect.scoped)))

  it.effect("startChild and stopChild change the children at run time", () =>
    withBus(Effect.gen(function* () {
      const puppets = makePuppets()
      const supervisor = yield* Supervisor.start({ name: "root", children: [puppets.child("a")] })
      yield* supervisor.startChild(puppets.child("b"))
      expect(yield* Effect.flip(supervisor.startChild(puppets.child("b")))).toMatchObject({ _tag: "DuplicateChild" })
      yield* settle
      expect(yield* supervisor.childIds).toEqual(["a", "b"])
      yield* supervisor.stopChild("a")
      expect(yield* supervisor.childIds).toEqual(["b"])
      expect(puppets.log).toEqual(["start:a", "start:b", "stop:a"])
      expect(yield* Effect.flip(supervisor.stopChild("a"))).toMatchObject({ _tag: "UnknownChild" })
    }).pipe(Effect.scoped)))
})

