import { Effect } from "effect"
import { type LoadTarget, type PlannedRequest, type TargetResponse, TransportError } from "./LoadRunner.ts"

/** The request kinds of a factory load test and their relative weights. */
export interface Mix {
  readonly enqueue: number
  readonly status: number
  readonly job: number
}

export const DEFAULT_MIX: Mix = { enqueue: 1, status: 2, job: 1 }

/** `enqueue=1,status=2,job=1` (missing kinds weigh 0; at least one must weigh more). */
export const parseMix = (raw: string): Mix | string => {
  const mix = { enqueue: 0, status: 0, job: 0 }
  for (const part of raw.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const m = /^(enqueue|status|job)\s*=\s*(\d+)$/.exec(part)
    if (!m) return `expected kind=weight pairs of enqueue, status and job (e.g. enqueue=1,status=2,job=1), got '${part}'`
    mix[m[1] as keyof Mix] = Number(m[2])
  }
  if (mix.enqueue + mix.status + mix.job === 0) return `at least one kind needs a weight above 0, got '${raw}'`
  if (mix.job > 0 && mix.enqueue === 0) return "job reads need enqueues to learn job ids: give enqueue a weight"
  return mix
}

/**
 * Smooth weighted round-robin (as nginx balances upstreams): a fixed cycle in which each kind
 * appears as often as its weight, spread out rather than bunched (`status, enqueue, status, job`).
 */
export const mixCycle = (mix: Mix): ReadonlyArray<keyof Mix> => {
  const kinds = (Object.keys(mix) as Array<keyof Mix>).filter((k) => mix[k] > 0)
  const total = kinds.reduce((n, k) => n + mix[k], 0)
  const current = new Map(kinds.map((k) => [k, 0]))
  const cycle: Array<keyof Mix> = []
  for (let i = 0; i < total; i++) {
    for (const k of kinds) current.set(k, current.get(k)! + mix[k])
    let best = kinds[0]!
    for (const k of kinds) if (current.get(k)! > current.get(best)!) best = k
    current.set(best, current.get(best)! - total)
    cycle.push(best)
  }
  return cycle
}

export interface FactoryTargetOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly token?: string | undefined
  /** The load-test project's slug. */
  readonly slug: string
  readonly mix: Mix
}

/**
 * An enqueue covers a sliding window of episodes (`from = n − 9 … to = n`): enqueue is idempotent,
 * so requests arriving out of order (the open model sends them concurrently) still never leave
 * a gap in the project's episode sequence unless they are reordered by ten or more.
 */
export const ENQUEUE_WINDOW = 10
const KEEP_JOB_IDS = 1_000

const base = (url: string) => url.replace(/\/+$/, "")

/** Performs one HTTP request with fetch; interruption (the timeout) aborts it. */
export const fetchSend = (url: string, token: string | undefined) => (request: PlannedRequest): Effect.Effect<TargetResponse, TransportError> =>
  Effect.tryPromise({
    try: async (signal) => {
      const headers: Record<string, string> = {}
      if (request.body !== undefined) headers["content-type"] = "application/json"
      if (token) headers["authorization"] = `Bearer ${token}`
      const response = await fetch(`${base(url)}${request.path}`, {
        method: request.method,
        headers,
        signal,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      })
      return { status: response.status, body: await response.text() }
    },
    catch: (error) => {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      const message = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
      return new TransportError({ message: `no response: ${message}` })
    },
  })

/**
 * The factory API as a load target: enqueues to one project, reads `/api/v1/status`, and reads
 * the jobs the enqueues returned (`/api/v1/jobs/:id`). A job slot before any job id is known
 * reads the status instead.
 */
export const factoryTarget = (options: FactoryTargetOptions): LoadTarget => {
  const cycle = mixCycle(options.mix)
  const slug = encodeURIComponent(options.slug)
  const jobs: Array<string> = []
  let episode = 0
  const status: PlannedRequest = { kind: "status", method: "GET", path: "/api/v1/status" }
  return {
    next: (seq) => {
      const kind = cycle[seq % cycle.length]!
      if (kind === "enqueue") {
        episode++
        return {
          kind,
          method: "POST",
          path: `/api/v1/projects/${slug}/episodes`,
          body: { from: Math.max(1, episode - ENQUEUE_WINDOW + 1), to: episode },
        }
      }
      if (kind === "job" && jobs.length > 0) {
        return { kind, method: "GET", path: `/api/v1/jobs/${encodeURIComponent(jobs[seq % jobs.length]!)}` }
      }
      return status
    },
    send: fetchSend(options.url, options.token),
    observe: (request, response) => {
      if (request.kind !== "enqueue" || response.status !== 202) return
      try {
        const ids = (JSON.parse(response.body) as { jobs?: ReadonlyArray<unknown> }).jobs ?? []
        for (const id of ids) {
          if (typeof id === "string" && !jobs.includes(id)) jobs.push(id)
        }
        if (jobs.length > KEEP_JOB_IDS) jobs.splice(0, jobs.length - KEEP_JOB_IDS)
      } catch {
        // a 202 without a JSON body: nothing to learn
      }
    },
  }
}
