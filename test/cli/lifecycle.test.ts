/**
 * The process around the factory: the documented launcher passes a service manager's SIGTERM on to
 * the factory (which then frees its port and its data directory), a closed pipe ends a command
 * quietly, a FACTORY_HOME that is somebody else's directory is refused, and a SIGTERM during a job
 * drains within `pipeline.shutdownGraceMs` and exits 0.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Option } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { startSimulator } from "../../src/llm/Simulator.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { api, makeDataDir, runCli, sleep, startServe, stopProcess, writeSimulatorConfig } from "../support/factoryProcess.ts"

const ROOT = join(import.meta.dirname, "..", "..")
const LAUNCHER = join(ROOT, "bin", "novel-factory.mjs")

/** The machine's own node (older than 24 on this project's machines: the launcher re-runs itself on the pinned one). */
const systemNode = ["/usr/bin/node", "/usr/local/bin/node"].find(existsSync) ?? process.execPath

const dirs: Array<{ cleanup: () => void }> = []
afterAll(() => dirs.forEach((d) => d.cleanup()))
const dataDir = (prefix: string) => {
  const d = makeDataDir(prefix)
  dirs.push(d)
  return d.dir
}

describe("process lifecycle", () => {
  it("SIGTERM to the launcher's pid stops the factory: the port and the data directory are free again", async () => {
    const home = dataDir("nf-launcher-")
    const launcher = spawn(systemNode, [LAUNCHER, "serve", "--port", "0", "--quiet"], {
      env: { ...process.env, FACTORY_HOME: home, PATH: "/usr/bin:/bin" },
      cwd: ROOT,
    })
    let out = ""
    launcher.stdout.on("data", (d) => (out += d))
    launcher.stderr.on("data", (d) => (out += d))
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000)
      const poll = setInterval(() => {
        const m = /serving on (http:\/\/\S+)/.exec(out)
        if (m) {
          clearInterval(poll)
          clearTimeout(timer)
          resolve(m[1]!)
        }
      }, 50)
    })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      launcher.on("exit", (code, signal) => resolve({ code, signal }))
    )
    launcher.kill("SIGTERM")
    const exit = await exited
    // a SIGTERM that drained cleanly is a success for a service manager
    expect(exit, out).toEqual({ code: 0, signal: null })
    // Nothing answers on the port any more (the factory was not left running as an orphan) …
    let refused = false
    for (let i = 0; i < 50 && !refused; i++) {
      refused = await fetch(`${url}/healthz`).then(() => false, () => true)
      if (!refused) await sleep(100)
    }
    expect(refused, `the factory still answers at ${url}:\n${out}`).toBe(true)
    // … and a new serve takes the data directory without being refused by the old one's lock.
    const next = await startServe(home)
    expect((await fetch(`${next.url}/healthz`)).status).toBe(200)
    await stopProcess(next)
  }, 90_000)

  it("SIGTERM during a slow job: exits 0 within the grace, says so, hands the job back uncounted; port and data directory free", async () => {
    const home = dataDir("nf-drain-")
    // every writer call takes 4 s; the grace is 1 s, so the job in flight is handed back
    const sim = await startSimulator({ seed: 3, latencyMs: { min: 4_000, max: 4_000 } })
    try {
      writeSimulatorConfig(home, {
        url: sim.url,
        model: "sim-korean",
        llm: ["stages: { planner: { kind: offline }, analyst: { kind: offline }, summary: { kind: offline } }"],
        extra: ["pipeline: { shutdownGraceMs: 1000 }"],
      })
      const serve = await startServe(home, { SIM_KEY: "dummy" })
      const json = { "content-type": "application/json" }
      expect((await api(serve.url, "POST", "/api/v1/projects", { slug: "slow", genre: "fantasy_kr" }, json)).status).toBe(201)
      expect((await api(serve.url, "POST", "/api/v1/projects/slow/episodes", { from: 1, to: 1 }, json)).status).toBe(202)
      for (let i = 0; i < 100 && sim.stats().requests === 0; i++) await sleep(50)
      expect(sim.stats().requests, serve.output()).toBe(1)

      const exited = new Promise<number | null>((resolve) => serve.child.once("exit", (code) => resolve(code)))
      const signalledAt = Date.now()
      serve.child.kill("SIGTERM")
      const code = await exited
      const tookMs = Date.now() - signalledAt
      expect(code, serve.output()).toBe(0)
      // the 1 s grace plus the shutdown itself; well before the writer's 4 s answer
      expect(tookMs, serve.output()).toBeLessThan(3_900)
      expect(serve.output()).toContain("stopping: draining 1 job(s), up to 1 s")
      expect(serve.output()).toContain("handing back slow:1 (interrupted; no delivery counted)")

      // Never lost, never counted: queued again with no delivery spent, nothing committed.
      const job = await Effect.runPromise(
        Effect.map(JobQueue.use((q) => q.get("slow:1")), Option.getOrThrow).pipe(
          Effect.provide(SqliteJobQueue.layer({ maxDeliveries: 5 })),
          Effect.provide(Database.layerIn(home)),
        ),
      )
      expect(job).toMatchObject({ state: "queued", deliveries: 0, reason: "worker stopped" })

      // The same port and data directory serve again at once.
      const port = new URL(serve.url).port
      const next = await startServe(home, { SIM_KEY: "dummy" }, ["--port", port])
      expect(next.url).toBe(serve.url)
      expect((await fetch(`${next.url}/healthz`)).status).toBe(200)
      await stopProcess(next)
    } finally {
      await sim.close()
    }
  }, 90_000)

  it("a reader that goes away ends the command quietly (no EPIPE stack trace)", () => {
    const run = spawnSync("bash", ["-c", `"${process.execPath}" main.ts --help | true; echo "exit \${PIPESTATUS[0]}"`], {
      cwd: ROOT,
      encoding: "utf8",
    })
    expect(run.stderr).not.toMatch(/EPIPE|Error|at /)
    expect(run.stdout).toMatch(/^exit 0$/m)
  })

  it("refuses a FACTORY_HOME that holds other files, unless --init; a new or empty one is fine", async () => {
    const foreign = dataDir("nf-foreign-")
    writeFileSync(join(foreign, "notes.txt"), "my own files")
    const refused = await runCli(["status"], { FACTORY_HOME: foreign })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`FACTORY_HOME ${foreign} is not a factory's data directory`)
    expect(refused.stderr).toContain("--init")
    expect(existsSync(join(foreign, "factory.db"))).toBe(false)

    const initialised = await runCli(["status", "--init"], { FACTORY_HOME: foreign })
    expect(initialised.code, initialised.stderr).toBe(0)
    expect(existsSync(join(foreign, "factory.db"))).toBe(true)
    // From now on it is a factory's data directory.
    expect((await runCli(["status"], { FACTORY_HOME: foreign })).code).toBe(0)
    expect((await runCli(["status"], { FACTORY_HOME: dataDir("nf-empty-") })).code).toBe(0)
    expect((await runCli(["status"], { FACTORY_HOME: join(dataDir("nf-parent-"), "new-home") })).code).toBe(0)
  }, 60_000)
})
