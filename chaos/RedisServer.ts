/**
 * A real `redis-server` for the chaos runner, tests and benches: a free loopback port, a temporary data
 * directory, AOF on (`appendfsync everysec`) and no RDB snapshots, so a `kill()` followed by
 * `restart()` replays the AOF exactly as a crashed production server would.
 *
 * Always clean up: `await server.stop()` in `afterAll` (idempotent; also removes the data
 * directory). A process-exit hook SIGKILLs any server a crashed test run left behind.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createConnection, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface RedisServer {
  readonly host: string
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly dataDir: string
  /** The running server's pid (changes on `restart`), or undefined while it is down. */
  readonly pid: () => number | undefined
  /** Graceful stop (SIGTERM: Redis flushes the AOF) and removal of the data directory. Idempotent. */
  readonly stop: () => Promise<void>
  /** SIGKILL, as a crash: the data directory is kept for `restart`. */
  readonly kill: () => Promise<void>
  /** Starts the server again on the same port and data directory (after `kill`, or a `down` stop). */
  readonly restart: () => Promise<void>
  /** Stops the server (SIGTERM) but keeps the data directory, for a later `restart`. */
  readonly down: () => Promise<void>
}

export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `["--maxmemory", "64mb"]`. */
  readonly args?: ReadonlyArray<string>
  /** How long to wait for PING to answer after a (re)start. Default 10 s. */
  readonly startTimeoutMs?: number
  readonly binary?: string
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

/** Whatever happens to the runner or the test, the child does not outlive it: SIGKILLed at exit. */
export const killOnExit = (child: ChildProcess): void => {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once("exit", () => {
      for (const proc of live) {
        try {
          proc.kill("SIGKILL")
        } catch {
          // already gone
        }
      }
    })
  }
  live.add(child)
  child.once("exit", () => live.delete(child))
}

/** A port the OS considers free right now (bind port 0, read it, release it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") {
        server.close()
        reject(new Error("no port"))
        return
      }
      server.close(() => resolve(address.port))
    })
  })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** One PING over a raw socket; resolves true on `+PONG`. */
const ping = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host, port })
    let buffer = ""
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once("error", () => done(false))
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8")
      if (buffer.includes("\r\n")) done(buffer.startsWith("+PONG"))
    })
    socket.once("connect", () => socket.write("PING\r\n"))
  })

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()))

export const startRedisServer = async (options: RedisServerOptions = {}): Promise<RedisServer> => {
  const host = "127.0.0.1"
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), "nf-redis-"))
  const binary = options.binary ?? process.env.REDIS_SERVER ?? "redis-server"
  const startTimeoutMs = options.startTimeoutMs ?? 10_000
  let child: ChildProcess | undefined
  let removed = false
  let log = ""

  const launch = async () => {
    log = ""
    const proc = spawn(
      binary,
      [
        "--port", String(port),
        "--bind", host,
        "--dir", dataDir,
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--protected-mode", "no",
        "--daemonize", "no",
        "--loglevel", "warning",
        ...(options.args ?? []),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    )
    proc.stdout?.on("data", (b: Buffer) => (log = (log + b.toString()).slice(-4000)))
    proc.stderr?.on("data", (b: Buffer) => (log = (log + b.toString()).slice(-4000)))
    killOnExit(proc)
    child = proc
    const deadline = Date.now() + startTimeoutMs
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`redis-server exited during start (code ${proc.exitCode}, signal ${proc.signalCode}): ${log}`)
      }
      if (await ping(host, port)) return
      await sleep(25)
    }
    proc.kill("SIGKILL")
    throw new Error(`redis-server did not answer PING on ${host}:${port} within ${startTimeoutMs} ms: ${log}`)
  }

  const signal = async (sig: NodeJS.Signals) => {
    const proc = child
    child = undefined
    if (proc === undefined) return
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig)
    await exited(proc)
  }

  const down = () => signal("SIGTERM")
  const kill = () => signal("SIGKILL")
  const stop = async () => {
    await signal("SIGTERM")
    if (!removed) {
      removed = true
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  const restart = async () => {
    if (removed) throw new Error("redis-server was stopped for good (its data directory is gone)")
    await signal("SIGTERM")
    await launch()
  }

  try {
    await launch()
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }

  return { host, port, url: `redis://${host}:${port}`, dataDir, pid: () => child?.pid, stop, kill, restart, down }
}
