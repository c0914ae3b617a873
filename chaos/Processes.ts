/**
 * Real processes for the chaos runner: `serve` children on a temporary data directory, a
 * `redis-server` it can stop and start, and a small HTTP client for the API. Plain Node
 * (promises, real time): the runner is an outside observer of the factory, like an operator.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { killOnExit } from "./RedisServer.ts"

export const ROOT = fileURLToPath(new URL("../", import.meta.url))
/** The product's entry point, and the chaos one (the same `serve` on fault-injecting services). */
export const MAIN_ENTRY = join(ROOT, "main.ts")
export const CHAOS_ENTRY = join(ROOT, "chaos/serve.ts")

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export const makeHome = (prefix = "nf-chaos-"): { readonly dir: string; readonly cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface ServeProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly url: string
  readonly output: () => string
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly isRunning: () => boolean
}

/** Starts `serve` on a free port and resolves once it says where it listens. */
export const startServe = (options: {
  readonly entry: string
  readonly home: string
  readonly env?: Readonly<Record<string, string>>
  readonly startTimeoutMs?: number
}): Promise<ServeProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.entry, "serve", "--port", "0", "--quiet"], {
      env: { ...process.env, FACTORY_HOME: options.home, ...options.env },
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    })
    killOnExit(child)
    let out = ""
    let settled = false
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once("exit", (code, signal) => {
        done({ code, signal })
        if (!settled) {
          settled = true
          clearTimeout(timer)
          reject(new Error(`serve exited (${code ?? signal}) before listening:\n${out.slice(-2000)}`))
        }
      }))
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      child.kill("SIGKILL")
      reject(new Error(`serve did not start within ${options.startTimeoutMs ?? 60_000} ms:\n${out.slice(-2000)}`))
    }, options.startTimeoutMs ?? 60_000)
    const onData = (data: Buffer) => {
      out = (out + data.toString()).slice(-20_000)
      const m = /serving on (http:\/\/\S+)/.exec(out)
      if (m && !settled) {
        settled = true
        clearTimeout(timer)
        resolve({
          child,
          pid: child.pid!,
          url: m[1]!,
          output: () => out,
          exited,
          isRunning: () => child.exitCode === null && child.signalCode === null,
        })
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
  })

/** Sends a signal and waits for the exit (SIGKILL after `graceMs` if it ignores a SIGTERM). */
export const stopServe = async (proc: ServeProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 20_000): Promise<void> => {
  if (!proc.isRunning()) return
  proc.child.kill(signal)
  const timer = setTimeout(() => proc.isRunning() && proc.child.kill("SIGKILL"), graceMs)
  await proc.exited
  clearTimeout(timer)
}

export interface ApiAnswer {
  readonly status: number
  readonly json: any
  readonly text: string
}

/** One API call; a network failure is status 0 (the process is down or restarting). */
export const api = async (base: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<ApiAnswer> => {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await response.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, json, text }
  } catch (error) {
    return { status: 0, json: undefined, text: String(error) }
  }
}

