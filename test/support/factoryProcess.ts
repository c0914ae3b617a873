import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { type FactoryApiClient, makeFactoryClient } from "../../src/http/FactoryClient.ts"

const ROOT = fileURLToPath(new URL("../../", import.meta.url))

/** A `novel-factory` process started from the checkout with the pinned Node (the one running the tests). */
export interface FactoryProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly output: () => string
}

export const makeDataDir = (prefix = "nf-test-"): { dir: string; cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs a CLI command to completion and returns its exit code and output. */
export const runCli = (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "main.ts"), ...args], { env: { ...process.env, ...env }, cwd: ROOT })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

/** Starts `serve` on a free port and waits until it says where it listens. */
export const startServe = (home: string, env: Record<string, string> = {}, args: ReadonlyArray<string> = []): Promise<FactoryProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "main.ts"), "serve", "--port", "0", ...args], {
      env: { ...process.env, FACTORY_HOME: home, ...env },
      cwd: ROOT,
    })
    let out = ""
    const timer = setTimeout(() => reject(new Error(`serve did not start within 30 s:\n${out}`)), 30_000)
    const onData = (data: Buffer) => {
      out += data.toString()
      const m = /serving on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1]!, output: () => out })
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code} before listening:\n${out}`))
    })
  })

export const stopProcess = (proc: FactoryProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> =>
  new Promise((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return resolve()
    proc.child.removeAllListeners("exit")
    proc.child.once("exit", () => resolve())
    proc.child.kill(signal)
  })

/** The typed client of a running `serve` (`src/http/FactoryClient.ts`), for tests that drive the factory. */
export const apiClient = (base: string, token?: string): FactoryApiClient => Effect.runSync(makeFactoryClient({ url: base, token }))

/** One call of the typed client as a promise: the decoded answer, or a rejection with the problem. */
export const callApi = <A, E>(base: string, call: (client: FactoryApiClient) => Effect.Effect<A, E>): Promise<A> => Effect.runPromise(call(apiClient(base)))

/**
 * The wire itself, for contract tests: any method, path, headers and body (malformed ones too,
 * which the typed client cannot build), answered with the raw status, headers, text and JSON.
 */
export const api = async (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  })
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json: json as any }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A data directory's `factory.yaml` whose LLM is the loopback simulator at `url` (the key in the
 * `SIM_KEY` variable: start `serve` with `{ SIM_KEY: "dummy" }`), the canary off. `llm` lines go
 * under `llm:` (without their indent), `extra` lines at the top level.
 */
export const writeSimulatorConfig = (
  home: string,
  options: { readonly url: string; readonly model: string; readonly llm?: ReadonlyArray<string>; readonly extra?: ReadonlyArray<string> },
): void =>
  writeFileSync(
    join(home, "factory.yaml"),
    [
      "llm:",
      "  kind: openai",
      `  baseUrl: ${options.url}`,
      `  model: ${options.model}`,
      "  apiKeyEnv: SIM_KEY",
      ...(options.llm ?? []).map((line) => `  ${line}`),
      ...(options.extra ?? []),
      "canary: { enabled: false }",
      "",
    ].join("\n"),
  )
