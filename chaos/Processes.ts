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
import { Effect } from "effect"
import { describeClientError, type FactoryApiClient, makeFactoryClient, statusOfFailure } from "../src/http/FactoryClient.ts"
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

/**
 * What one call of the typed client came to: the decoded answer, a problem the server answered
 * (its status and detail), or no answer at all (the process is down or restarting).
 */
export type ApiAnswer<A> =
  | { readonly _tag: "Answered"; readonly value: A }
  | { readonly _tag: "Problem"; readonly status: number; readonly detail: string }
  | { readonly _tag: "NoAnswer"; readonly reason: string }

const clients = new Map<string, FactoryApiClient>()

/** One API call through the typed client, never rejected: every outcome is an `ApiAnswer`. */
export const api = <A, E>(base: string, call: (client: FactoryApiClient) => Effect.Effect<A, E>, timeoutMs = 10_000): Promise<ApiAnswer<A>> => {
  let client = clients.get(base)
  if (client === undefined) {
    client = Effect.runSync(makeFactoryClient({ url: base }))
    clients.set(base, client)
  }
  return Effect.runPromise(
    call(client).pipe(
      Effect.timeout(timeoutMs),
      Effect.match({
        onSuccess: (value): ApiAnswer<A> => ({ _tag: "Answered", value }),
        onFailure: (error): ApiAnswer<A> => {
          const status = statusOfFailure(error)
          return status > 0 ? { _tag: "Problem", status, detail: describeClientError(error) } : { _tag: "NoAnswer", reason: describeClientError(error) }
        },
      }),
    ),
  )
}

/** An answer as a log line shows it. */
export const describeAnswer = (answer: ApiAnswer<unknown>): string =>
  answer._tag === "Answered" ? "answered" : answer._tag === "Problem" ? `${answer.status} ${answer.detail}` : `no answer: ${answer.reason}`

