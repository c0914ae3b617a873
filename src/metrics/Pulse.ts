/**
 * The factory's pulse: episodes committed and dead per minute, and each stage's latency, folded
 * from the event bus by the server from the moment it starts. Every dashboard attached to one
 * server reads the same figures (`GET /api/v1/summary`) instead of re-deriving them from the
 * events it happened to be replayed (a late dashboard would see a fraction of the hour).
 * The factory's own synthetic work (canary, load) is left out, as in the metrics.
 */
import { Context, Effect, Layer, PubSub } from "effect"
import { EventBus } from "../events/EventBus.ts"
import type { FactoryEvent } from "../events/FactoryEvent.ts"
import { percentile } from "../util/Stats.ts"
import { syntheticSourceOfEvent } from "./FactoryMetrics.ts"

const MINUTE = 60_000
/** The throughput series covers this many minutes (the dashboard's chart). */
export const PULSE_MINUTES = 60
/** Latency percentiles are over each stage's last this many samples. */
export const LATENCY_WINDOW = 500
/** The stages shown first, in pipeline order; others follow by name. */
export const PIPELINE_ORDER: ReadonlyArray<string> = ["writer", "guard", "editor"]

export interface PulseState {
  /** When the fold saw its first event (null: none yet). */
  since: number | null
  /** Minute index (epoch ms / 60 000) → episodes committed and dead that minute. */
  readonly minutes: Map<number, { committed: number; failed: number }>
  readonly latency: Map<string, { samples: Array<number>; next: number; failures: number }>
  readonly totals: { committed: number; failed: number; rejected: number }
}

export const emptyPulse = (): PulseState => ({ since: null, minutes: new Map(), latency: new Map(), totals: { committed: 0, failed: 0, rejected: 0 } })

const bump = (state: PulseState, at: number, field: "committed" | "failed"): void => {
  const minute = Math.floor(at / MINUTE)
  const bucket = state.minutes.get(minute) ?? { committed: 0, failed: 0 }
  bucket[field]++
  state.minutes.set(minute, bucket)
  state.totals[field]++
  // Keep a little more than the series' hour.
  if (state.minutes.size > PULSE_MINUTES * 2 + 10) {
    const newest = Math.max(...state.minutes.keys())
    for (const key of state.minutes.keys()) if (key <= newest - PULSE_MINUTES * 2) state.minutes.delete(key)
  }
}

const sample = (state: PulseState, stage: string, ms: number, ok: boolean): void => {
  let ring = state.latency.get(stage)
  if (!ring) {
    ring = { samples: [], next: 0, failures: 0 }
    state.latency.set(stage, ring)
  }
  // A failed attempt (often a timeout) is counted, not timed: it would drag the work's latency into its tail.
  if (!ok) {
    ring.failures++
    return
  }
  if (ring.samples.length < LATENCY_WINDOW) ring.samples.push(ms)
  else ring.samples[ring.next] = ms
  ring.next = (ring.next + 1) % LATENCY_WINDOW
}

/** Folds one event into the state, in place (the server folds thousands a minute). */
export const foldPulse = (state: PulseState, event: FactoryEvent): PulseState => {
  if (syntheticSourceOfEvent(event) !== undefined) return state
  state.since ??= event.at
  switch (event._tag) {
    case "JobCommitted":
      bump(state, event.at, "committed")
      break
    case "JobDead":
      bump(state, event.at, "failed")
      break
    case "JobRejected":
      state.totals.rejected++
      break
    case "StageFinished":
      sample(state, event.stage, event.ms, event.ok)
      break
  }
  return state
}

export interface PulseSummary {
  readonly at: number
  readonly since: number | null
  /** One point per minute, oldest first, the last being the current minute. */
  readonly throughput: ReadonlyArray<{ readonly minute: number; readonly committed: number; readonly failed: number }>
  /** Means per minute over the last five minutes (the current one included). */
  readonly rate: { readonly committed: number; readonly failed: number }
  readonly latency: ReadonlyArray<{ readonly stage: string; readonly count: number; readonly failures: number; readonly p50: number | null; readonly p95: number | null }>
  readonly totals: { readonly committed: number; readonly failed: number; readonly rejected: number }
}

export const RATE_MINUTES = 5

/** What the state says at `now`: the last `minutes` minutes of throughput and every stage's p50/p95. */
export const summarizePulse = (state: PulseState, now: number, minutes = PULSE_MINUTES): PulseSummary => {
  const current = Math.floor(now / MINUTE)
  const throughput = Array.from({ length: minutes }, (_, i) => {
    const minute = current - (minutes - 1 - i)
    const bucket = state.minutes.get(minute)
    return { minute, committed: bucket?.committed ?? 0, failed: bucket?.failed ?? 0 }
  })
  const recent = throughput.slice(-RATE_MINUTES)
  const stages = [...PIPELINE_ORDER, ...[...state.latency.keys()].filter((s) => !PIPELINE_ORDER.includes(s)).sort()]
  return {
    at: now,
    since: state.since,
    throughput,
    rate: {
      committed: recent.reduce((sum, m) => sum + m.committed, 0) / RATE_MINUTES,
      failed: recent.reduce((sum, m) => sum + m.failed, 0) / RATE_MINUTES,
    },
    latency: stages.map((stage) => {
      const ring = state.latency.get(stage)
      const sorted = ring ? [...ring.samples].sort((a, b) => a - b) : []
      return {
        stage,
        count: sorted.length,
        failures: ring?.failures ?? 0,
        p50: sorted.length === 0 ? null : percentile(sorted, 50),
        p95: sorted.length === 0 ? null : percentile(sorted, 95),
      }
    }),
    totals: { ...state.totals },
  }
}

export interface FactoryPulseShape {
  readonly summary: Effect.Effect<PulseSummary>
}

/**
 * The server's one pulse: folds the bus from when the layer is built until its scope closes.
 * The events the bus still holds from before are folded first, so a pulse built late misses none it kept.
 */
export class FactoryPulse extends Context.Service<FactoryPulse, FactoryPulseShape>()("novel-factory/FactoryPulse") {
  static readonly layer: Layer.Layer<FactoryPulse, never, EventBus> = Layer.effect(
    FactoryPulse,
    Effect.gen(function* () {
      const bus = yield* EventBus
      const state = emptyPulse()
      const subscription = yield* bus.subscribe
      const kept = yield* bus.recent()
      for (const event of kept) foldPulse(state, event)
      // An event published between subscribing and reading the kept ones is in both: fold it once.
      let alreadyFolded: Set<FactoryEvent> | null = new Set(kept)
      const foldLive = (event: FactoryEvent) => {
        if (alreadyFolded !== null) {
          if (alreadyFolded.has(event)) return
          alreadyFolded = null
        }
        foldPulse(state, event)
      }
      yield* PubSub.takeAll(subscription).pipe(
        Effect.flatMap((events) => Effect.sync(() => { for (const event of events) foldLive(event) })),
        Effect.forever,
        Effect.forkScoped,
      )
      return FactoryPulse.of({ summary: Effect.clockWith((clock) => Effect.sync(() => summarizePulse(state, clock.currentTimeMillisUnsafe()))) })
    }),
  )
}
