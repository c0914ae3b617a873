import { Data, Effect } from "effect"
import { describeClientError, type FactoryApiClient, makeFactoryClient, statusOfFailure } from "../../http/FactoryClient.ts"
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

/** One call of the typed client, with what the report shows of it (method and path). */
type FactoryCall =
  | { readonly _tag: "Status" }
  | { readonly _tag: "Job"; readonly id: string }
  | { readonly _tag: "Enqueue"; readonly slug: string; readonly from: number; readonly to: number }
  | { readonly _tag: "CreateProject"; readonly slug: string; readonly genre: string; readonly title: string }

interface FactoryRequest extends PlannedRequest {
  readonly call: FactoryCall
}

const isFactoryRequest = (request: PlannedRequest): request is FactoryRequest => "call" in request

/** An answer as the load runner records it: the status, and the JSON body (a problem's detail is read from it). */
const answered = (status: number, value: unknown): TargetResponse => ({ status, body: JSON.stringify(value) })

/**
 * Performs one planned request through the typed client; interruption (the timeout) aborts it.
 * A problem answer is a response (its status and detail are recorded); no answer is a TransportError.
 */
export const clientSend = (client: FactoryApiClient) => (request: PlannedRequest): Effect.Effect<TargetResponse, TransportError> => {
  if (!isFactoryRequest(request)) return Effect.fail(new TransportError({ message: `not a factory API request: ${request.kind}` }))
  const call = request.call
  const performed: Effect.Effect<TargetResponse, unknown> =
    call._tag === "Status"
      ? Effect.map(client.factory.status(), (value) => answered(200, value))
      : call._tag === "Job"
        ? Effect.map(client.jobs.get({ params: { id: call.id } }), (value) => answered(200, value))
        : call._tag === "Enqueue"
          ? Effect.map(client.projects.enqueue({ params: { slug: call.slug }, payload: { from: call.from, to: call.to } }), (value) => answered(202, value))
          : Effect.map(client.projects.create({ payload: { slug: call.slug, genre: call.genre, title: call.title } }), (value) => answered(201, value))
  return performed.pipe(
    Effect.catch((error) => {
      const status = statusOfFailure(error)
      return status > 0
        ? Effect.succeed(answered(status, { status, detail: detailOf(error) }))
        : Effect.fail(new TransportError({ message: `no response: ${describeClientError(error)}` }))
    }),
  )
}

/** A problem's own detail; for an answer the API does not describe, what the client saw. */
const detailOf = (error: unknown): string => {
  const detail = typeof error === "object" && error !== null ? (error as { detail?: unknown }).detail : undefined
  return typeof detail === "string" ? detail : describeClientError(error)
}

const plan = (kind: string, method: "GET" | "POST", path: string, call: FactoryCall): FactoryRequest => ({ kind, method, path, call })

/**
 * The factory API as a load target: enqueues to one project, reads `/api/v1/status`, and reads
 * the jobs the enqueues returned (`/api/v1/jobs/:id`). A job slot before any job id is known
 * reads the status instead.
 */
export const factoryTarget = (options: FactoryTargetOptions): LoadTarget => {
  const cycle = mixCycle(options.mix)
  const client = Effect.runSync(makeFactoryClient(options))
  const jobs: Array<string> = []
  let episode = 0
  const status = plan("status", "GET", "/api/v1/status", { _tag: "Status" })
  return {
    next: (seq) => {
      const kind = cycle[seq % cycle.length]!
      if (kind === "enqueue") {
        episode++
        const from = Math.max(1, episode - ENQUEUE_WINDOW + 1)
        return plan(kind, "POST", `/api/v1/projects/${encodeURIComponent(options.slug)}/episodes`, { _tag: "Enqueue", slug: options.slug, from, to: episode })
      }
      if (kind === "job" && jobs.length > 0) {
        const id = jobs[seq % jobs.length]!
        return plan(kind, "GET", `/api/v1/jobs/${encodeURIComponent(id)}`, { _tag: "Job", id })
      }
      return status
    },
    send: clientSend(client),
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
