import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { EventBus } from "../../src/events/EventBus.ts"
import type { SupervisionEvent } from "../../src/events/FactoryEvent.ts"
import * as Backoff from "../../supervisors/Backoff.ts"
import type { ChildSpec, RestartType } from "../../supervisors/ChildSpec.ts"
import type { Strategy } from "../../supervisors/RestartDecision.ts"
import type { SupervisorSnapshot } from "../../supervisors/Snapshot.ts"
import * as Supervisor from "../../supervisors/Supervisor.ts"
import { ChildExitedUnexpectedly, rootCause, SupervisorEscalation } from "../../supervisors/SupervisorEscalation.ts"
import { Boom, type Command, makePuppets, settle, supervisionEvents } from "./harness.ts"

/**
 * Chaos, property-based: random supervision trees under random crash schedules,
 * all on the TestClock. `CHAOS_RUNS` sets the number of cases (default 300);
 * on failure fast-check prints the seed and the path to replay the case.
 */
const numRuns = Number(process.env.CHAOS_RUNS ?? 300)

interface WorkerShape {
  readonly kind: "worker"
  readonly restart: RestartType
}
interface SupervisorShape {
  readonly kind: "supervisor"
  readonly strategy: Strategy
  readonly restart: RestartType
  readonly maxRestarts: number
  readonly withinSeconds: number
  readonly baseMs: number
  readonly children: ReadonlyArray<WorkerShape | SupervisorShape>
}

const workerArb: fc.Arbitrary<WorkerShape> = fc.record({
  kind: fc.constant("worker" as const),
  restart: fc.constantFrom<RestartType>("permanent", "permanent", "transient", "temporary"),
})

const supervisorArb = (depth: number): fc.Arbitrary<SupervisorShape> =>
  fc.record({
    kind: fc.constant("supervisor" as const),
    strategy: fc.constantFrom<Strategy>("one-for-one", "one-for-all", "rest-for-one"),
    restart: fc.constantFrom<RestartType>("permanent", "transient"),
    maxRestarts: fc.integer({ min: 0, max: 4 }),
    withinSeconds: fc.integer({ min: 5, max: 60 }),
    baseMs: fc.integer({ min: 100, max: 5_000 }),
    children: fc.array(depth > 0 ? fc.oneof(workerArb, workerArb, supervisorArb(depth - 1)) : workerArb, {
      minLength: 1,
      maxLength: 4,
    }),
  })

const scheduleArb = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 120_000 }),
    target: fc.nat(),
    command: fc.constantFrom<Command>("crash", "crash", "crash", "exit", "interrupt"),
  }),
  { maxLength: 30 },
)

type Puppets = ReturnType<typeof makePuppets>

/** Builds the spec; ids are unique over the whole tree so a puppet is addressed by id alone. */
const build = (shape: SupervisorShape, name: string, puppets: Puppets, counter: { n: number }, workers: Array<string>) => {
  const children: Array<ChildSpec<unknown, Scope.Scope | EventBus>> = shape.children.map((child) => {
    const id = `${child.kind === "worker" ? "w" : "s"}${++counter.n}`
    if (child.kind === "worker") {
      workers.push(id)
      return puppets.child(id, child.restart)
    }
    return Supervisor.child(build(child, id, puppets, counter, workers), { restart: child.restart })
  })
  return {
    name,
    strategy: shape.strategy,
    intensity: { maxRestarts: shape.maxRestarts, within: `${shape.withinSeconds} seconds` as const },
    backoff: Backoff.exponential({ base: shape.baseMs, max: "30 seconds", jitter: false }),
    resetAfter: "20 seconds",
    children,
  } satisfies Supervisor.SupervisorSpec<Scope.Scope | EventBus>
}

/** Events of `path` since its current instance started (a restarted nested supervisor starts afresh). */
const instanceEvents = (events: ReadonlyArray<SupervisionEvent>, path: string) => {
  const cut = path.lastIndexOf("/")
  let start = 0
  if (cut >= 0) {
    const parent = path.slice(0, cut)
    const name = path.slice(cut + 1)
    events.forEach((event, index) => {
      if (event._tag === "ChildStarted" && event.supervisor === parent && event.child === name) start = index + 1
    })
  }
  return events.slice(start).filter((event) => "supervisor" in event && event.supervisor === path)
}

/** Splits events of every instance of `path` into instances. */
const allInstances = (events: ReadonlyArray<SupervisionEvent>, path: string) => {
  const cut = path.lastIndexOf("/")
  const instances: Array<Array<SupervisionEvent>> = [[]]
  for (const event of events) {
    if (cut >= 0 && event._tag === "ChildStarted" && event.supervisor === path.slice(0, cut) && event.child === path.slice(cut + 1)) {
      instances.push([])
    } else if ("supervisor" in event && event.supervisor === path) {
      instances[instances.length - 1].push(event)
    }
  }
  return instances
}

const checkIntensity = (instance: ReadonlyArray<SupervisionEvent>, maxRestarts: number, withinMs: number) => {
  // One restart decision = one run of consecutive ChildRestarting events (a group restart publishes several).
  const decisions: Array<number> = []
  let previous: SupervisionEvent | undefined
  for (const event of instance) {
    if (event._tag === "ChildRestarting" && previous?._tag !== "ChildRestarting") decisions.push(event.at)
    if (event._tag === "SupervisorEscalated") {
      // It escalated on the one restart too many: exactly maxRestarts already in the window.
      expect(decisions.filter((at) => at > event.at - withinMs).length).toBe(maxRestarts)
    }
    previous = event
  }
  for (const end of decisions) {
    expect(decisions.filter((at) => at > end - withinMs && at <= end).length).toBeLessThanOrEqual(maxRestarts)
  }
}

const checkBackoffHonoured = (instance: ReadonlyArray<SupervisionEvent>) => {
  const pending = new Map<string, number>()
  for (const event of instance) {
    if (event._tag === "ChildRestarting") pending.set(event.child, event.at + event.delayMs)
    if (event._tag === "ChildStarted" && pending.has(event.child)) {
      expect(event.at).toBe(pending.get(event.child))
      pending.delete(event.child)
    }
  }
}

/** Every running supervisor has all its permanent children running again; snapshots agree with events. */
const checkTree = (
  snapshot: SupervisorSnapshot,
  rootShape: SupervisorShape,
  events: ReadonlyArray<SupervisionEvent>,
) => {
  const instance = instanceEvents(events, snapshot.supervisor)
  checkBackoffHonoured(instance)
  for (const child of snapshot.children) {
    const own = instance.filter((event) => "child" in event && event.child === child.id)
    const last = own.at(-1)
    const expectedState = last?._tag === "ChildStarted"
      ? "running"
      : last?._tag === "ChildRestarting"
      ? "backing-off"
      : "stopped"
    expect(child.state, `${snapshot.supervisor}/${child.id}`).toBe(expectedState)
    expect(child.restarts).toBe(own.filter((event) => event._tag === "ChildRestarting").length)
    const failures = own.flatMap((event) => event._tag === "ChildExited" && event.outcome === "failure" ? [event.cause] : [])
    expect(child.lastError).toBe(failures.at(-1) ?? null)
    if (snapshot.status === "running") {
      expect(child.state, `${snapshot.supervisor}/${child.id} settled`).not.toBe("backing-off")
      if (child.restart === "permanent") expect(child.state, `${snapshot.supervisor}/${child.id} permanent`).toBe("running")
      const nested = child.subtree
      if (nested !== null) {
        const index = Number(child.id.slice(1))
        expect(findShape(rootShape, index)).toBeDefined()
        checkTree(nested, rootShape, events)
      } else if (child.id.startsWith("s")) {
        expect(child.state).not.toBe("running")
      }
    }
  }
}

/** Ids are numbered depth first in build order; recover the shape of supervisor `s<n>`. */
const findShape = (root: SupervisorShape, target: number): SupervisorShape | undefined => {
  let n = 0
  const walk = (shape: SupervisorShape): SupervisorShape | undefined => {
    for (const child of shape.children) {
      n++
      if (child.kind === "supervisor") {
        if (n === target) return child
        const found = walk(child)
        if (found !== undefined) return found
      }
    }
    return undefined
  }
  return walk(root)
}

const allPaths = (shape: SupervisorShape, path: string, counter: { n: number }, out: Array<[string, SupervisorShape]>) => {
  out.push([path, shape])
  for (const child of shape.children) {
    const id = `${child.kind === "worker" ? "w" : "s"}${++counter.n}`
    if (child.kind === "supervisor") allPaths(child, `${path}/${id}`, counter, out)
  }
  return out
}

const runCase = (shape: SupervisorShape, schedule: ReadonlyArray<{ at: number; target: number; command: Command }>) =>
  Effect.gen(function* () {
    const puppets = makePuppets()
    const workers: Array<string> = []
    const spec = build(shape, "root", puppets, { n: 0 }, workers)
    const scope = yield* Scope.make()
    const root = yield* Supervisor.start(spec).pipe(Scope.provide(scope))
    const rootExit = yield* Effect.forkChild(Effect.exit(root.await))
    // Crashes are timed sleeps, so the TestClock runs each to quiescence before the next.
    for (const step of schedule) {
      yield* Effect.forkChild(Effect.andThen(Effect.sleep(step.at), puppets.send(workers[step.target % workers.length], step.command)))
    }
    yield* settle
    yield* TestClock.adjust("30 minutes") // every back-off (≤ 30 s) long elapsed
    yield* settle

    const snapshot = yield* root.snapshot
    const events = yield* supervisionEvents

    for (const [path, nodeShape] of allPaths(shape, "root", { n: 0 }, [])) {
      for (const instance of allInstances(events, path)) {
        checkIntensity(instance, nodeShape.maxRestarts, nodeShape.withinSeconds * 1_000)
      }
    }
    checkTree(snapshot, shape, events)

    if (snapshot.status === "escalated") {
      const exit = rootExit.pollUnsafe()
      expect(exit !== undefined && Exit.isSuccess(exit) && Exit.isFailure(exit.value)).toBe(true)
      const failure = exit !== undefined && Exit.isSuccess(exit) && Exit.isFailure(exit.value)
        ? Cause.findErrorOption(exit.value.cause)
        : Option.none()
      expect(Option.getOrThrow(failure)).toBeInstanceOf(SupervisorEscalation)
      const original = rootCause((Option.getOrThrow(failure) as SupervisorEscalation).cause)
      const error = Cause.findErrorOption(original)
      // The original cause is a puppet's crash, its unexpected normal exit, or its self-interruption.
      if (Option.isSome(error)) expect(error.value instanceof Boom || error.value instanceof ChildExitedUnexpectedly).toBe(true)
      else expect(Cause.hasInterruptsOnly(original)).toBe(true)
      expect(snapshot.children.every((child) => child.state === "stopped")).toBe(true)
    } else {
      expect(snapshot.status).toBe("running")
      expect(rootExit.pollUnsafe()).toBeUndefined()
    }

    yield* Scope.close(scope, Exit.void)
    yield* settle
    expect(puppets.fibers.filter((fiber) => fiber.pollUnsafe() === undefined)).toEqual([])
    expect((yield* root.snapshot).stuckFibers).toBe(0)
  }).pipe(Effect.provide(EventBus.layer({ keep: 100_000 })), Effect.provide(TestClock.layer()))

describe("supervision chaos (property-based)", () => {
  it("random trees × random crash schedules keep every invariant", async () => {
    await fc.assert(
      fc.asyncProperty(supervisorArb(2), scheduleArb, (shape, schedule) =>
        Effect.runPromise(runCase({ ...shape, restart: "permanent" }, schedule))),
      { numRuns },
    )
  })
})
