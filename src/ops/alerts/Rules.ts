import { isReservedSlug } from "../../domain/Project.ts"
import type { FactoryEvent } from "../../events/FactoryEvent.ts"
import type { QueueStats } from "../../queue/JobQueue.ts"
import type { AlertSettings } from "./AlertsConfig.ts"

/**
 * The alert rules as a pure state machine: `step(settings, state, input)` folds one input
 * (a bus event, a queue-stats sample, a backup sample or a clock tick) into the state and
 * returns the transitions it caused (firing / resolved). No Effect, no clock: the time of an
 * input is its own `at`, so every rule is unit-testable with plain numbers, and the actor
 * (`AlertsActor.ts`) only feeds it and delivers what it returns.
 */

export type AlertEvent = Extract<FactoryEvent, { readonly _tag: "Alert" }>

export const RULES = {
  successRate: (hours: number) => `jobs.success-rate-${hours}h`,
  queueDepth: "queue.depth-critical",
  restartStorm: "supervision.restart-storm",
  deadLetterGrowth: "queue.dead-letter-growth",
  backupOverdue: "backup.overdue",
  backupVerification: "backup.verification-failed",
  breakerOpen: "dependency.breaker-open",
  projectsHeld: "projects.held",
  clockStepped: "clock.stepped",
} as const

export type AlertInput =
  | { readonly _tag: "Event"; readonly event: FactoryEvent }
  | { readonly _tag: "QueueSample"; readonly at: number; readonly stats: QueueStats }
  /** `latestAt`: createdAt of the newest complete backup, or null when there is none. */
  | { readonly _tag: "BackupSample"; readonly at: number; readonly latestAt: number | null }
  | { readonly _tag: "Tick"; readonly at: number }

export interface Firing {
  readonly since: number
  readonly message: string
}

interface MinuteBucket {
  readonly minute: number
  readonly ok: number
  readonly dead: number
}

export interface AlertState {
  /** When alerting started: the reference for "no backup yet". */
  readonly startedAt: number
  /** Committed / dead jobs per minute, oldest first, as far back as the longest window. */
  readonly outcomes: ReadonlyArray<MinuteBucket>
  /** Times of supervised restarts in the last minute. */
  readonly restarts: ReadonlyArray<number>
  /** Dead-letter counts sampled from the queue: the window's, plus the last one before it. */
  readonly deadSamples: ReadonlyArray<{ readonly at: number; readonly dead: number }>
  readonly queue: QueueStats | null
  /** Undefined until the first backup sample; then createdAt of the newest backup (or null). */
  readonly latestBackupAt: number | null | undefined
  /** When a backup last failed its verification (from the backup actor's crash), or null. */
  readonly verificationFailedAt: number | null
  readonly verificationFailure: string | null
  /** Breakers open now: since when (the first `open` of this outage, half-open probes included) and why. */
  readonly breakersOpen: ReadonlyMap<string, { readonly since: number; readonly reason: string | null }>
  /** This engine's rules that are firing. */
  readonly firing: ReadonlyMap<string, Firing>
  /** Alerts raised elsewhere (e.g. the budget gate's `finance.daily-budget`) that are firing. */
  readonly external: ReadonlyMap<string, Firing>
  /** The last wall-clock step seen (\`ClockStepped\`), or null. */
  readonly clockStep: { readonly at: number; readonly stepMs: number } | null
}

export interface RuleContext {
  readonly settings: AlertSettings
  /** The backup schedule's period (the longest gap between runs), or null when backups are not watched. */
  readonly backupPeriodMs: number | null
}

export interface StepResult {
  readonly state: AlertState
  /** Transitions of this engine's rules: publish on the bus and deliver to the webhook. */
  readonly publish: ReadonlyArray<AlertEvent>
  /** Alerts raised elsewhere, already on the bus: deliver to the webhook only. */
  readonly forward: ReadonlyArray<AlertEvent>
}

export const initialAlertState = (startedAt: number): AlertState => ({
  startedAt,
  outcomes: [],
  restarts: [],
  deadSamples: [],
  queue: null,
  latestBackupAt: undefined,
  verificationFailedAt: null,
  verificationFailure: null,
  breakersOpen: new Map(),
  firing: new Map(),
  external: new Map(),
  clockStep: null,
})

const MINUTE = 60_000
const HOUR = 3_600_000
/** How long \`clock.stepped\` stays firing after a step: long enough for an operator to see it, then it resolves by itself. */
export const CLOCK_STEP_ALERT_MS = HOUR

export const ownRules = (settings: AlertSettings): ReadonlySet<string> =>
  new Set([
    ...settings.successWindowsHours.map(RULES.successRate),
    RULES.queueDepth,
    RULES.restartStorm,
    RULES.deadLetterGrowth,
    RULES.backupOverdue,
    RULES.backupVerification,
    RULES.breakerOpen,
    RULES.projectsHeld,
    RULES.clockStepped,
  ])

const pct = (x: number) => `${(x * 100).toFixed(1).replace(/\.0$/, "")}%`

export const formatAge = (ms: number): string => {
  if (ms < 2 * MINUTE) return `${Math.round(ms / 1000)} s`
  if (ms < 2 * HOUR) return `${Math.round(ms / MINUTE)} min`
  if (ms < 48 * HOUR) return `${(ms / HOUR).toFixed(1).replace(/\.0$/, "")} h`
  return `${(ms / (24 * HOUR)).toFixed(1).replace(/\.0$/, "")} days`
}

const recordOutcome = (outcomes: ReadonlyArray<MinuteBucket>, at: number, ok: boolean, keepMs: number): ReadonlyArray<MinuteBucket> => {
  const minute = Math.floor(at / MINUTE)
  const oldest = Math.floor((at - keepMs) / MINUTE)
  const kept = outcomes[0] !== undefined && outcomes[0].minute < oldest ? outcomes.filter((b) => b.minute >= oldest) : outcomes
  const index = kept.findLastIndex((b) => b.minute === minute)
  if (index >= 0) {
    const b = kept[index]!
    const next = [...kept]
    next[index] = { minute, ok: b.ok + (ok ? 1 : 0), dead: b.dead + (ok ? 0 : 1) }
    return next
  }
  // Events arrive (nearly) in time order: insert keeping the buckets sorted.
  const bucket = { minute, ok: ok ? 1 : 0, dead: ok ? 0 : 1 }
  const after = kept.findIndex((b) => b.minute > minute)
  return after < 0 ? [...kept, bucket] : [...kept.slice(0, after), bucket, ...kept.slice(after)]
}

/** Committed and dead jobs whose minute overlaps (now − windowMs, now]. */
export const outcomesWithin = (state: AlertState, now: number, windowMs: number): { ok: number; dead: number } => {
  const first = Math.floor((now - windowMs) / MINUTE) + 1
  let ok = 0
  let dead = 0
  for (const b of state.outcomes) {
    if (b.minute >= first && b.minute * MINUTE <= now) {
      ok += b.ok
      dead += b.dead
    }
  }
  return { ok, dead }
}

/** Folds an input into the state, without evaluating rules. */
const observe = (ctx: RuleContext, state: AlertState, input: AlertInput, now: number): AlertState => {
  switch (input._tag) {
    case "QueueSample": {
      const cutoff = now - ctx.settings.deadLetterWindowMs
      const samples = [...state.deadSamples, { at: input.at, dead: input.stats.dead }]
      // keep the window's samples and the newest one at or before its start (the baseline)
      const firstInside = samples.findIndex((s) => s.at > cutoff)
      const from = firstInside < 0 ? samples.length - 1 : Math.max(0, firstInside - 1)
      return { ...state, queue: input.stats, deadSamples: samples.slice(from) }
    }
    case "BackupSample":
      return { ...state, latestBackupAt: input.latestAt }
    case "Tick":
      return state
    case "Event": {
      const event = input.event
      switch (event._tag) {
        case "JobCommitted":
        case "JobDead": {
          if (isSynthetic(event)) return state
          const keepMs = Math.max(...ctx.settings.successWindowsHours) * HOUR
          return { ...state, outcomes: recordOutcome(state.outcomes, event.at, event._tag === "JobCommitted", keepMs) }
        }
        case "ClockStepped":
          return { ...state, clockStep: { at: event.at, stepMs: event.stepMs } }
        case "ChildRestarting":
          return { ...state, restarts: [...state.restarts.filter((t) => t > event.at - MINUTE), event.at] }
        case "BreakerChanged": {
          const open = new Map(state.breakersOpen)
          if (event.to === "closed") open.delete(event.breaker)
          else if (!open.has(event.breaker)) open.set(event.breaker, { since: event.at, reason: event.reason })
          return { ...state, breakersOpen: open }
        }
        case "ChildExited": {
          if (event.outcome !== "failure" || event.cause === null || !/failed verification/.test(event.cause)) return state
          const line = event.cause.split("\n").find((l) => /failed verification/.test(l)) ?? event.cause
          return { ...state, verificationFailedAt: event.at, verificationFailure: line.trim().replace(/^[A-Za-z]+:\s*/, "").slice(0, 300) }
        }
        default:
          return state
      }
    }
  }
}

/** Whether a rule holds now: true/false with its message, or undefined when its inputs are unknown. */
type Verdict = { readonly active: boolean; readonly message: string } | undefined

const evaluate = (ctx: RuleContext, state: AlertState, now: number): ReadonlyArray<readonly [string, Verdict]> => {
  const s = ctx.settings
  const verdicts: Array<readonly [string, Verdict]> = []

  for (const hours of s.successWindowsHours) {
    const { ok, dead } = outcomesWithin(state, now, hours * HOUR)
    const total = ok + dead
    const rate = total === 0 ? 1 : ok / total
    verdicts.push([
      RULES.successRate(hours),
      total < s.successMinJobs
        ? { active: false, message: `success rate over ${hours}h not judged: ${total} job(s) finished, fewer than ${s.successMinJobs}` }
        : rate < s.successFloor
        ? { active: true, message: `success rate over ${hours}h is ${pct(rate)} (${ok} of ${total} jobs committed, ${dead} dead), below the floor of ${pct(s.successFloor)}` }
        : { active: false, message: `success rate over ${hours}h is back to ${pct(rate)} (${ok} of ${total} jobs committed), at or above ${pct(s.successFloor)}` },
    ])
  }

  verdicts.push([
    RULES.queueDepth,
    state.queue === null
      ? undefined
      : state.queue.queued > s.queueCritical
      ? { active: true, message: `${state.queue.queued} jobs queued, above the critical depth of ${s.queueCritical}` }
      : { active: false, message: `${state.queue.queued} jobs queued, back within the critical depth of ${s.queueCritical}` },
  ])

  const restarts = state.restarts.filter((t) => t > now - MINUTE).length
  verdicts.push([
    RULES.restartStorm,
    restarts > s.restartsPerMinute
      ? { active: true, message: `${restarts} supervised restarts within the last minute, more than ${s.restartsPerMinute}` }
      : { active: false, message: `restarts calmed down: ${restarts} within the last minute (limit ${s.restartsPerMinute})` },
  ])

  const samples = state.deadSamples
  if (samples.length === 0) {
    verdicts.push([RULES.deadLetterGrowth, undefined])
  } else {
    const latest = samples[samples.length - 1]!
    const baseline = Math.min(...samples.map((x) => x.dead))
    const growth = latest.dead - baseline
    const window = formatAge(s.deadLetterWindowMs)
    verdicts.push([
      RULES.deadLetterGrowth,
      growth >= s.deadLetterGrowth
        ? { active: true, message: `${growth} job(s) dead-lettered within ${window} (${latest.dead} dead in all), threshold ${s.deadLetterGrowth}` }
        : { active: false, message: `dead-letter growth back under ${s.deadLetterGrowth} within ${window} (${growth}; ${latest.dead} dead in all)` },
    ])
  }

  if (ctx.backupPeriodMs === null || state.latestBackupAt === undefined) {
    verdicts.push([RULES.backupOverdue, undefined])
  } else {
    const limit = ctx.backupPeriodMs * s.backupOverdueFactor
    const since = state.latestBackupAt ?? state.startedAt
    const age = now - since
    const what = state.latestBackupAt === null ? `no backup yet, ${formatAge(age)} after alerting started` : `the latest backup is ${formatAge(age)} old`
    verdicts.push([
      RULES.backupOverdue,
      age > limit
        ? { active: true, message: `${what}; the schedule runs every ${formatAge(ctx.backupPeriodMs)} (overdue after ${formatAge(limit)})` }
        : { active: false, message: `backups are current: ${what}` },
    ])
  }

  // A dependency out longer than the threshold: the workers that need it are parked, and say so.
  const longOpen = [...state.breakersOpen].filter(([, b]) => now - b.since >= s.breakerOpenMs)
  verdicts.push([
    RULES.breakerOpen,
    longOpen.length > 0
      ? {
        active: true,
        message: longOpen.map(([name, b]) => `the ${name} breaker has been open for ${formatAge(now - b.since)}${b.reason ? ` (${b.reason})` : ""}`).join("; ") +
          ": the work that needs it waits",
      }
      : { active: false, message: "every dependency's breaker is closed again" },
  ])

  verdicts.push([
    RULES.projectsHeld,
    state.queue === null
      ? undefined
      : state.queue.held > 0
      ? { active: true, message: `${state.queue.held} project(s) held — behind a dead episode (retry or skip it) or by the operator: see novel-factory status` }
      : { active: false, message: "no project is held" },
  ])

  // (The step's \`at\` is read after the step, so later inputs are later than it either way.)
  const clockStep = state.clockStep
  verdicts.push([
    RULES.clockStepped,
    clockStep === null
      ? { active: false, message: "" }
      : now - clockStep.at < CLOCK_STEP_ALERT_MS
      ? {
        active: true,
        message: `the wall clock stepped ${clockStep.stepMs < 0 ? "back" : "forward"} ${formatAge(Math.abs(clockStep.stepMs))}: queue leases, retry delays and backup retention keep to their own time, but check the host's clock (NTP); stamps around the step are off by it`,
      }
      : { active: false, message: `no wall-clock step in the last ${formatAge(CLOCK_STEP_ALERT_MS)}` },
  ])

  if (state.verificationFailedAt === null) {
    verdicts.push([RULES.backupVerification, { active: false, message: "" }])
  } else {
    const recovered = typeof state.latestBackupAt === "number" && state.latestBackupAt > state.verificationFailedAt
    verdicts.push([
      RULES.backupVerification,
      recovered
        ? { active: false, message: "a newer backup has been taken since the failed verification" }
        : { active: true, message: state.verificationFailure ?? "a backup failed its verification" },
    ])
  }
  return verdicts
}

const inputTime = (input: AlertInput): number => (input._tag === "Event" ? input.event.at : input.at)

/**
 * A job of the factory's own synthetic work (the canary, load tests: reserved `nf-` projects).
 * It says nothing about how real work fares: the canary has its own alert (rule `canary`).
 */
const isSynthetic = (event: { readonly project: string }): boolean => isReservedSlug(event.project)

/** Inputs that cannot change any rule's verdict are folded without evaluating. */
const relevant = (input: AlertInput): boolean => {
  if (input._tag !== "Event") return true
  switch (input.event._tag) {
    case "JobCommitted":
    case "JobDead":
      return !isSynthetic(input.event)
    case "ChildRestarting":
    case "ChildExited":
    case "BreakerChanged":
    case "ClockStepped":
    case "Alert":
      return true
    default:
      return false
  }
}

/** One input in, the new state and the transitions out. */
export const step = (ctx: RuleContext, state: AlertState, input: AlertInput): StepResult => {
  const now = inputTime(input)
  if (input._tag === "Event" && input.event._tag === "Alert") {
    const alert = input.event
    // Our own alerts come back to us through the bus: already handled.
    if (ownRules(ctx.settings).has(alert.rule)) return { state, publish: [], forward: [] }
    const external = new Map(state.external)
    const known = external.get(alert.rule)
    if (alert.state === "firing") {
      external.set(alert.rule, { since: known?.since ?? alert.at, message: alert.message })
    } else {
      external.delete(alert.rule)
    }
    return { state: { ...state, external }, publish: [], forward: [alert] }
  }
  const observed = observe(ctx, state, input, now)
  if (!relevant(input)) return { state: observed, publish: [], forward: [] }
  const firing = new Map(observed.firing)
  const publish: Array<AlertEvent> = []
  for (const [rule, verdict] of evaluate(ctx, observed, now)) {
    if (verdict === undefined) continue
    const was = firing.get(rule)
    if (verdict.active && was === undefined) {
      firing.set(rule, { since: now, message: verdict.message })
      publish.push({ _tag: "Alert", at: now, rule, state: "firing", message: verdict.message })
    } else if (!verdict.active && was !== undefined) {
      firing.delete(rule)
      publish.push({ _tag: "Alert", at: now, rule, state: "resolved", message: verdict.message })
    } else if (verdict.active && was !== undefined && was.message !== verdict.message) {
      firing.set(rule, { since: was.since, message: verdict.message })
    }
  }
  return { state: { ...observed, firing }, publish, forward: [] }
}

/** Everything firing now, this engine's and the external ones, oldest first. */
export const activeAlerts = (state: AlertState): ReadonlyArray<{ readonly rule: string } & Firing> =>
  [...state.firing, ...state.external].map(([rule, f]) => ({ rule, ...f })).sort((a, b) => a.since - b.since)
