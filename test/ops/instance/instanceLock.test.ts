import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Option, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import {
  acquireInstanceLock,
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

describe("instance lock (in process)", () => {
  it("refuses a second live holder, naming it; released when the scope closes", async () => {
    const home = dataDir()
    const scope = await Effect.runPromise(Scope.make())
    const first = await Effect.runPromise(Scope.provide(acquireInstanceLock(home, { pid: 111, host: "h1", isAlive: () => true }), scope))
    expect(first.holder).toMatchObject({ pid: 111, host: "h1", token: 1 })
    expect(Option.isNone(first.tookOver)).toBe(true)

    const second = await Effect.runPromiseExit(
      Effect.scoped(acquireInstanceLock(home, { pid: 222, host: "h1", isAlive: () => true })),
    )
    expect(Exit.isFailure(second)).toBe(true)
    const error = Exit.isFailure(second) ? (second.cause.reasons[0] as { error: unknown }).error : undefined
    expect(error).toBeInstanceOf(InstanceLocked)
    expect((error as InstanceLocked).message).toMatch(/pid 111 on h1, since \d{4}-\d\d-\d\dT/)

    const info = await Effect.runPromise(readInstanceLock(home, { host: "h1", isAlive: () => true }))
    expect(Option.getOrThrow(info).holder.pid).toBe(111)
    expect(describeInstanceLock(info)).toMatch(/^instance: held by pid 111 on h1 since/)

    await Effect.runPromise(Scope.close(scope, Exit.void))
    expect(Option.isNone(await Effect.runPromise(readInstanceLock(home)))).toBe(true)
    expect(describeInstanceLock(Option.none())).toMatch(/none running/)
  })

  it("takes over a stale lock: dead pid on this host, or an expired heartbeat elsewhere", async () => {
    const home = dataDir()
    const scope = await Effect.runPromise(Scope.make())
    await Effect.runPromise(Scope.provide(acquireInstanceLock(home, { pid: 111, host: "here", heartbeatMs: 60_000 }), scope))
    // Pretend the first one was SIGKILLed: its row stays (no finalizer ran).
    const dead = await Effect.runPromise(
      Effect.scoped(acquireInstanceLock(home, { pid: 222, host: "here", isAlive: (pid) => pid !== 111 })),
    )
    expect(dead.holder.token).toBe(2)
    expect(Option.getOrThrow(dead.tookOver)).toMatchObject({ previous: { pid: 111 }, why: "dead-pid" })

    // A holder on another host is judged by its heartbeat only.
    const s2 = await Effect.runPromise(Scope.make())
    await Effect.runPromise(Scope.provide(acquireInstanceLock(home, { pid: 333, host: "elsewhere", heartbeatMs: 60_000 }), s2))
    const refused = await Effect.runPromiseExit(Effect.scoped(acquireInstanceLock(home, { pid: 444, host: "here", ttlMs: 60_000 })))
    expect(Exit.isFailure(refused)).toBe(true)
    await new Promise((r) => setTimeout(r, 30))
    const expired = await Effect.runPromise(Effect.scoped(acquireInstanceLock(home, { pid: 444, host: "here", ttlMs: 10 })))
    expect(Option.getOrThrow(expired.tookOver)).toMatchObject({ previous: { pid: 333 }, why: "expired" })
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await Effect.runPromise(Scope.close(s2, Exit.void))
  })

  it("judges liveness", () => {
    const h = { pid: 5, host: "a", since: 0, heartbeatAt: 1_000, token: 1 }
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

// Enabled once `serve` takes the lock (the lead's wiring in supervisors/Launch.ts or the serve command).
const wired = /acquireInstanceLock/.test(readFileSync(join(ROOT, "supervisors/Launch.ts"), "utf8") + readFileSync(join(ROOT, "src/cli/commands/factory.ts"), "utf8"))

describe.runIf(wired)("serve takes the instance lock", () => {
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
