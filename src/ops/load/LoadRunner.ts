import { Clock, Data, Duration, Effect, Fiber } from "effect"
import type { LoadSample } from "./Summary.ts"

/** One request the mix chose for one slot of the schedule. */
export interface PlannedRequest {
  readonly kind: string
  readonly method: "GET" | "POST"
  readonly path: string
  readonly body?: unknown
}

export interface TargetResponse {
  readonly status: number
  readonly body: string
}

/** No response: connection refused or reset, DNS, a body that could not be read … */
export class TransportError extends Data.TaggedError("TransportError")<{ readonly message: string }> {}

/**
 * What a load test drives. `next` picks the request for a slot (called at its send time, so it
 * may use what earlier responses taught, e.g. job ids); `send` performs it; `observe` sees
 * every response.
 */
export interface LoadTarget {
  readonly next: (seq: number) => PlannedRequest
  readonly send: (request: PlannedRequest) => Effect.Effect<TargetResponse, TransportError>
  readonly observe?: (request: PlannedRequest, response: TargetResponse) => void
}

export interface LoadOptions {
  /** Arrival rate, requests per second (fractions allowed). */
  readonly rps: number
  readonly durationMs: number
  /** A request without a response after this long is an error whose latency is counted up to here. */
  readonly timeoutMs: number
  /**
   * Safety bound on concurrent requests. A slot that finds this many requests still in flight
   * is not sent; it is recorded as an error with the timeout as its latency (the server is
   * not keeping up, and that must show in the numbers rather than be skipped).
   */
  readonly maxInFlight: number
}

/** Hard bounds, whatever the flags: a load test is finite in time and in count. */
export const MAX_RPS = 1_000
export const MAX_DURATION_MS = 3_600_000
export const MAX_REQUESTS = 200_000

export const plannedRequests = (options: Pick<LoadOptions, "rps" | "durationMs">): number =>
  Math.min(MAX_REQUESTS, Math.floor((options.rps * options.durationMs) / 1000 + 1e-9))

const nowMs = Effect.map(Clock.currentTimeNanos, (n) => Number(n) / 1e6)

const describe = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error) return String((error as { message: unknown }).message)
  return String(error)
}

/**
 * Runs an open-model load test: slot `i` is due at `start + i / rps`, and is sent then
 * whether or not earlier requests have answered. Each sample's latency runs from the slot's
 * *intended* time, so when the server (or this client) stalls, the requests queued behind
 * the stall carry the wait — coordinated omission is not possible. Time is Effect's Clock,
 * so a TestClock drives it in tests. Returns one sample per slot, in slot order.
 */
export const runLoad = (target: LoadTarget, options: LoadOptions): Effect.Effect<ReadonlyArray<LoadSample>> =>
  Effect.gen(function* () {
    const total = plannedRequests(options)
    const interval = 1000 / options.rps
    const samples = new Array<LoadSample>(total)
    const fibers: Array<Fiber.Fiber<void>> = []
    let inFlight = 0
    const start = yield* nowMs

    const one = (seq: number, intendedMs: number, request: PlannedRequest) =>
      Effect.gen(function* () {
        const sentMs = (yield* nowMs) - start
        const result = yield* target.send(request).pipe(
          Effect.timeout(Duration.millis(options.timeoutMs)),
          Effect.result,
        )
        const doneMs = (yield* nowMs) - start
        const base = { seq, kind: request.kind, method: request.method, path: request.path, intendedMs, sentMs }
        if (result._tag === "Success") {
          const response = result.success
          target.observe?.(request, response)
          const ok = response.status >= 200 && response.status < 300
          samples[seq] = {
            ...base,
            latencyMs: doneMs - intendedMs,
            serviceMs: doneMs - sentMs,
            status: response.status,
            ok,
            error: ok ? null : `HTTP ${response.status}${problemDetail(response.body)}`,
          }
        } else {
          const error = result.failure
          const timedOut = error._tag !== "TransportError"
          samples[seq] = {
            ...base,
            latencyMs: doneMs - intendedMs,
            serviceMs: doneMs - sentMs,
            status: 0,
            ok: false,
            error: timedOut ? `timeout after ${options.timeoutMs} ms` : describe(error),
          }
        }
      }).pipe(Effect.ensuring(Effect.sync(() => inFlight--)))

    for (let seq = 0; seq < total; seq++) {
      const intendedMs = seq * interval
      const wait = start + intendedMs - (yield* nowMs)
      if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
      const request = target.next(seq)
      if (inFlight >= options.maxInFlight) {
        const sentMs = (yield* nowMs) - start
        samples[seq] = {
          seq,
          kind: request.kind,
          method: request.method,
          path: request.path,
          intendedMs,
          sentMs,
          latencyMs: sentMs - intendedMs + options.timeoutMs,
          serviceMs: 0,
          status: 0,
          ok: false,
          error: `not sent: ${options.maxInFlight} requests already in flight`,
        }
        continue
      }
      inFlight++
      fibers.push(yield* Effect.forkChild(one(seq, intendedMs, request)))
    }
    yield* Fiber.joinAll(fibers)
    return samples
  })

/** `: detail` from a problem+json body, or nothing. */
const problemDetail = (body: string): string => {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown }
    return typeof parsed.detail === "string" ? `: ${parsed.detail.slice(0, 160)}` : ""
  } catch {
    return ""
  }
}
