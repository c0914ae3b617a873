/**
 * The process around the factory: the documented launcher passes a service manager's SIGTERM on to
 * the factory (which then frees its port and its data directory), a closed pipe ends a command
 * quietly, and a FACTORY_HOME that is somebody else's directory is refused.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { makeDataDir, runCli, sleep, startServe, stopProcess } from "../support/factoryProcess.ts"

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
    expect(exit.code === 0 || exit.code === 130 || exit.code === 143 || exit.signal === "SIGTERM", JSON.stringify(exit)).toBe(true)
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
