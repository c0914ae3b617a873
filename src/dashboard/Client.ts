/**
 * The dashboard's link to a running `serve`: the server-sent event stream
 * (`GET /api/v1/events`) plus periodic snapshots (`/api/v1/status` every second,
 * projects and finance less often). Every answer becomes a `ModelInput`. Losing the
 * server is a state, not an error: `Disconnected` is reported and the client
 * reconnects with exponential back-off, forever, until `close()`.
 */
import { decodeEvent, decodeFinance, decodeProjects, decodeStatus, type ModelInput } from "./Model.ts"

export interface ClientOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly token?: string | undefined
  readonly onInput: (input: ModelInput) => void
  /** Status poll period (default 1 000 ms). */
  readonly statusEveryMs?: number
  /** Projects and finance poll period (default 10 000 ms). */
  readonly slowEveryMs?: number
  /** Reconnect back-off: first delay and cap (defaults 500 ms, 5 000 ms). */
  readonly retryInitialMs?: number
  readonly retryMaxMs?: number
  /** Per-request timeout (default 3 000 ms). */
  readonly timeoutMs?: number
  readonly now?: () => number
}

export interface DashboardClient {
  /** `POST /api/v1/intake {paused}`: resolves with an operator-readable outcome, never rejects. */
  readonly setIntake: (paused: boolean) => Promise<{ readonly ok: boolean; readonly message: string }>
  readonly close: () => void
}

/** Delay before reconnect attempt `attempt` (1-based): exponential from `initial`, capped. */
export const backoffMs = (attempt: number, initial = 500, max = 5_000): number =>
  Math.min(max, initial * 2 ** Math.max(0, Math.min(attempt - 1, 20)))

/** Incremental parser of a `text/event-stream`: feed chunks, get complete messages. */
export const sseParser = (onMessage: (message: { event: string; data: string }) => void) => {
  let buffer = ""
  return (chunk: string): void => {
    buffer += chunk
    let boundary: number
    while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, boundary)
      const sep = /\r?\n\r?\n/.exec(buffer.slice(boundary))!
      buffer = buffer.slice(boundary + sep[0].length)
      let event = "message"
      const data: Array<string> = []
      for (const line of block.split(/\r?\n/)) {
        if (line === "" || line.startsWith(":")) continue
        const colon = line.indexOf(":")
        const field = colon < 0 ? line : line.slice(0, colon)
        let value = colon < 0 ? "" : line.slice(colon + 1)
        if (value.startsWith(" ")) value = value.slice(1)
        if (field === "event") event = value
        else if (field === "data") data.push(value)
      }
      if (data.length > 0) onMessage({ event, data: data.join("\n") })
    }
  }
}

const FRIENDLY: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CONNECT_TIMEOUT: "connect timed out",
  ENOTFOUND: "host not found",
  EHOSTUNREACH: "host unreachable",
}

const describeError = (error: unknown): string => {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause
    const code = typeof cause === "object" && cause !== null ? (cause as { code?: string }).code : undefined
    if (code) return FRIENDLY[code] ?? code
    if (error.name === "TimeoutError" || error.name === "AbortError") return "timed out"
    return error.message
  }
  return String(error)
}

export const connect = (options: ClientOptions): DashboardClient => {
  const base = options.url.replace(/\/+$/, "")
  const now = options.now ?? Date.now
  const statusEvery = options.statusEveryMs ?? 1_000
  const slowEvery = options.slowEveryMs ?? 10_000
  const timeoutMs = options.timeoutMs ?? 3_000
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {}
  let closed = false
  let session: AbortController | null = null
  let sleeping: { timer: NodeJS.Timeout; resolve: () => void } | null = null
  const timers = new Set<NodeJS.Timeout>()

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        sleeping = null
        resolve()
      }, ms)
      sleeping = { timer, resolve }
    })

  const getJson = async (path: string, signal?: AbortSignal): Promise<{ status: number; body: unknown }> => {
    const timeout = AbortSignal.timeout(timeoutMs)
    const response = await fetch(`${base}${path}`, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout })
    const text = await response.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    return { status: response.status, body }
  }

  const pollStatus = async (signal?: AbortSignal): Promise<void> => {
    const { status, body } = await getJson("/api/v1/status", signal)
    if (status !== 200) throw new Error(`status answered ${status}`)
    const snapshot = decodeStatus(body)
    if (!snapshot) throw new Error("status answered an unexpected shape")
    options.onInput({ _tag: "Status", at: now(), status: snapshot })
  }

  const pollSlow = async (signal?: AbortSignal): Promise<void> => {
    const [projects, finance] = await Promise.allSettled([getJson("/api/v1/projects", signal), getJson("/api/v1/finance/summary", signal)])
    if (projects.status === "fulfilled" && projects.value.status === 200) {
      options.onInput({ _tag: "Projects", projects: decodeProjects(projects.value.body) })
    }
    if (finance.status === "fulfilled") {
      const summary = finance.value.status === 200 ? decodeFinance(finance.value.body) : undefined
      options.onInput({ _tag: "Finance", summary: summary ?? null })
    }
  }

  /** One connected session: resolves or rejects when the link is lost. */
  const runSession = async (controller: AbortController): Promise<void> => {
    const signal = controller.signal
    await pollStatus(signal)
    await pollSlow(signal).catch(() => undefined)
    // A timeout for the answer's head only: the stream itself lives as long as the server.
    const connectTimer = setTimeout(() => controller.abort(new Error("timed out")), timeoutMs)
    const response = await fetch(`${base}/api/v1/events`, { headers: { ...headers, accept: "text/event-stream" }, signal }).finally(() =>
      clearTimeout(connectTimer),
    )
    if (response.status !== 200 || !response.body) throw new Error(`event stream answered ${response.status}`)
    options.onInput({ _tag: "Connected", at: now() })

    let failedPolls = 0
    let pollError: Error | null = null
    const fail = (error: unknown) => {
      pollError = new Error(describeError(error))
      controller.abort()
    }
    const statusTimer = setInterval(() => {
      pollStatus(signal).then(
        () => (failedPolls = 0),
        (error) => {
          if (signal.aborted) return
          if (++failedPolls >= 2) fail(error)
        },
      )
    }, statusEvery)
    const slowTimer = setInterval(() => void pollSlow(signal).catch(() => undefined), slowEvery)
    timers.add(statusTimer)
    timers.add(slowTimer)
    const parse = sseParser(({ data }) => {
      let value: unknown
      try {
        value = JSON.parse(data)
      } catch {
        return
      }
      const event = decodeEvent(value)
      if (event) options.onInput({ _tag: "Event", event, key: data })
    })
    const decoder = new TextDecoder()
    try {
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        parse(decoder.decode(value, { stream: true }))
      }
      throw new Error("the event stream ended")
    } catch (error) {
      throw pollError ?? error
    } finally {
      clearInterval(statusTimer)
      clearInterval(slowTimer)
      timers.delete(statusTimer)
      timers.delete(slowTimer)
    }
  }

  const loop = async () => {
    let attempt = 0
    while (!closed) {
      const controller = new AbortController()
      session = controller
      try {
        await runSession(controller)
      } catch (error) {
        if (closed) break
        attempt++
        const delay = backoffMs(attempt, options.retryInitialMs, options.retryMaxMs)
        options.onInput({ _tag: "Disconnected", at: now(), reason: describeError(error), retryInMs: delay })
        controller.abort()
        await sleep(delay)
        continue
      }
      attempt = 0
    }
  }
  void loop()

  return {
    setIntake: async (paused) => {
      try {
        const response = await fetch(`${base}/api/v1/intake`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ paused }),
          signal: AbortSignal.timeout(timeoutMs),
        })
        const text = await response.text()
        if (response.ok) {
          void pollStatus().catch(() => undefined)
          return { ok: true, message: paused ? "intake paused" : "intake resumed" }
        }
        let detail = text.slice(0, 200)
        try {
          const problem = JSON.parse(text) as { detail?: string; title?: string }
          detail = problem.detail ?? problem.title ?? detail
        } catch {
          // keep the raw text
        }
        return { ok: false, message: `intake: ${response.status} ${detail}${response.status === 401 ? " (pass --token)" : ""}` }
      } catch (error) {
        return { ok: false, message: `intake: ${describeError(error)}` }
      }
    },
    close: () => {
      closed = true
      session?.abort()
      for (const timer of timers) clearInterval(timer)
      timers.clear()
      if (sleeping) {
        clearTimeout(sleeping.timer)
        sleeping.resolve()
      }
    },
  }
}
