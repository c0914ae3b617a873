import { type ChildProcess, spawn } from "node:child_process"
import { hostname } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, Fiber, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import { makeSteppedClock } from "../../../chaos/SteppedClock.ts"
import {
  acquireInstanceLock,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_POLL_MS,
  DEFAULT_TTL_MS,
  describeInstanceLock,
  InstanceLocked,
  livenessOf,
  readInstanceLock,
} from "../../../src/ops/instance/InstanceLock.ts"
import { makeDataDir, startServe, stopProcess } from "../../support/factoryProcess.ts"

const ROOT = fileURLToPath(new URL("../../../", import.meta.url))
const HOLDER = join(ROOT, "test/ops/instance/lockHolder.ts")

const dirs: Array<{ cleanup: () => void }> = []
const dataDir = () => {
  const d = makeDataDir("nf-lock-")
  dirs.push(d)
  return d.dir
}
afterAll(() => dirs.forEach((d) => d.cleanup()))

const HOUR = 3_600_000
const exitError = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? (exit.cause.reasons[0] as { error: unknown }).error : undefined)
/** Another "process" whose wall clock is `offsetMs` off this one's (its monotonic clock and timers are the same). */
const steppedBy = (offsetMs: number) =>
  Effect.gen(function* () {
    const stepped = makeSteppedClock(yield* Clock.clockWith(Effect.succeed))
    yield* stepped.step(offsetMs)
    return <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provideService(self, Clock.Clock, stepped.clock)
  })

describe("instance lock (in process)", () => {
  it.effect("refuses a second holder once it sees the first one's heartbeat move, naming it; released when the scope closes", () =>
    Effect.gen(function* () {
      const home = dataDir()
      const scope = yield* Scope.make()
      const first = yield* Scope.provide(acquireInstanceLock(home, { pid: 111, host: "h1", isAlive: () => true }), scope)
      expect(first.holder).toMatchObject({ pid: 111, host: "h1", token: 1 })
      expect(Option.isNone(first.tookOver)).toBe(true)

      const second = yield* Effect.forkChild(Effect.exit(Effect.scoped(acquireInstanceLock(home, { pid: 222, host: "h1", isAlive: () => true }))))
      yield* TestClock.adjust(DEFAULT_HEARTBEAT_MS - 1)
      expect(second.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust(DEFAULT_POLL_MS + 1)
      const error = exitError(yield* Fiber.join(second))
      expect(error).toBeInstanceOf(InstanceLocked)
      expect((error as InstanceLocked).message).toMatch(/pid 111 on h1, since \d{4}-\d\d-\d\dT/)

      const info = yield* readInstanceLock(home, { host: "h1", isAlive: () => true })
      expect(Option.getOrThrow(info).holder).toMatchObject({ pid: 111, beats: 1 })
      expect(describeInstanceLock(info)).toMatch(/^instance: held by pid 111 on h1 since/)

      yield* Scope.close(scope, Exit.void)
      expect(Option.isNone(yield* readInstanceLock(home))).toBe(true)
      expect(describeInstanceLock(Option.none())).toMatch(/none running/)
    }))

  it.effect("takes over a dead pid on this host at once", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const home = dataDir()
        // The first one is "SIGKILLed": its row stays (no finalizer runs while this scope is open), its pid is gone.
        yield* acquireInstanceLock(home, { pid: 111, host: "here", heartbeatMs: HOUR })
        const dead = yield* Effect.scoped(acquireInstanceLock(home, { pid: 222, host: "here", isAlive: (pid) => pid !== 111 }))
        expect(dead.holder.token).toBe(2)
        expect(Option.getOrThrow(dead.tookOver)).toMatchObject({ previous: { pid: 111 }, why: "dead-pid" })
      }),
    ))

  it.effect("takes over a holder on another host once its heartbeat stood still for ttlMs while watched", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const home = dataDir()
        yield* acquireInstanceLock(home, { pid: 333, host: "elsewhere", heartbeatMs: HOUR })
        const newcomer = yield* Effect.forkChild(Effect.scoped(acquireInstanceLock(home, { pid: 444, host: "here", ttlMs: 10_000 })))
        yield* TestClock.adjust(9_999)
        expect(newcomer.pollUnsafe()).toBeUndefined()
        yield* TestClock.adjust(1)
        expect(Option.getOrThrow((yield* Fiber.join(newcomer)).tookOver)).toMatchObject({ previous: { pid: 333 }, why: "expired" })
      }),
    ))

  // Wall-clock steps (date -s, NTP, faketime, or another host's clock): the stamps move, the monotonic clock does not.
  it.effect("a live holder on another host is refused to a newcomer whose clock is an hour ahead, even while the holder's steps back", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const home = dataDir()
        const [holderClock, newcomerClock] = [yield* steppedBy(-HOUR), yield* steppedBy(HOUR)]
        yield* acquireInstanceLock(home, { pid: 333, host: "elsewhere" }).pipe(holderClock)
        yield* TestClock.adjust(DEFAULT_HEARTBEAT_MS)
        const newcomer = yield* Effect.forkChild(Effect.exit(Effect.scoped(acquireInstanceLock(home, { pid: 444, host: "here" }).pipe(newcomerClock))))
        yield* TestClock.adjust(DEFAULT_HEARTBEAT_MS + DEFAULT_POLL_MS)
        expect(exitError(yield* Fiber.join(newcomer))).toBeInstanceOf(InstanceLocked)
        expect(Option.getOrThrow(yield* readInstanceLock(home)).holder.pid).toBe(333)
      }),
    ))

  it.effect("a dead holder on another host is taken over within ttlMs by a newcomer whose clock is an hour behind", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const home = dataDir()
        yield* acquireInstanceLock(home, { pid: 333, host: "elsewhere", heartbeatMs: HOUR })
        const behind = yield* steppedBy(-HOUR)
        const newcomer = yield* Effect.forkChild(Effect.scoped(acquireInstanceLock(home, { pid: 444, host: "here" }).pipe(behind)))
        yield* TestClock.adjust(DEFAULT_TTL_MS)
        expect(Option.getOrThrow((yield* Fiber.join(newcomer)).tookOver)).toMatchObject({ previous: { pid: 333 }, why: "expired" })
      }),
    ))

  it("judges liveness from one reading (for status)", () => {
    const h = { pid: 5, host: "a", since: 0, heartbeatAt: 1_000, token: 1, beats: 3 }
    expect(livenessOf(h, 2_000, { host: "a", isAlive: () => true, ttlMs: 5_000 })).toBe("alive")
    expect(livenessOf(h, 2_000, { host: "a", isAlive: () => false, ttlMs: 5_000 })).toBe("dead-pid")
    expect(livenessOf(h, 2_000, { host: "b", isAlive: () => false, ttlMs: 5_000 })).toBe("alive")
    expect(livenessOf(h, 9_000, { host: "b", isAlive: () => true, ttlMs: 5_000 })).toBe("expired")
  })
})

interface Proc {
  readonly child: ChildProcess
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>
  readonly locked: Promise<string>
}

const holder = (home: string): Proc => {
  const child = spawn(process.execPath, [HOLDER, home], { cwd: ROOT })
  let stdout = ""
  let stderr = ""
  let onLocked: (line: string) => void = () => {}
  const locked = new Promise<string>((resolve) => (onLocked = resolve))
  child.stdout!.on("data", (d) => {
    stdout += d
    const m = /LOCKED[^\n]*/.exec(stdout)
    if (m) onLocked(m[0])
  })
  child.stderr!.on("data", (d) => (stderr += d))
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr })))
  return { child, done, locked }
}

describe("instance lock (real processes)", () => {
  it("refuses a second process, takes over after SIGKILL, releases on SIGTERM", async () => {
    const home = dataDir()
    const a = holder(home)
    expect(await a.locked).toBe(`LOCKED ${a.child.pid}`)
    const b = holder(home)
    const refused = await b.done
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`pid ${a.child.pid} on ${hostname()}`)
    a.child.kill("SIGKILL")
    await a.done
    const c = holder(home)
    expect(await c.locked).toBe(`LOCKED ${c.child.pid} took-over ${a.child.pid} dead-pid`)
    c.child.kill("SIGTERM")
    expect((await c.done).code).toBe(0)
    expect(Option.isNone(await Effect.runPromise(readInstanceLock(home)))).toBe(true)
  }, 30_000)
})

describe("serve takes the instance lock", () => {
  it("a second serve on the same data directory exits 1 naming the holder; a SIGKILLed one is taken over", async () => {
    const home = dataDir()
    const first = await startServe(home, { FACTORY_CONCURRENCY: "1" })
    const second = await startServe(home, { FACTORY_CONCURRENCY: "1" }).then(
      async (p) => {
        await stopProcess(p)
        return "started"
      },
      (error: Error) => error.message,
    )
    expect(second).toMatch(/exited with 1/)
    expect(second).toContain(`pid ${first.child.pid} on ${hostname()}`)
    await stopProcess(first, "SIGKILL")
    const third = await startServe(home, { FACTORY_CONCURRENCY: "1" })
    await stopProcess(third)
  }, 60_000)
})
