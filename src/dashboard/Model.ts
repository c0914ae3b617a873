/**
 * The dashboard's state and the fold that builds it from what the client receives:
 * factory events (SSE), status snapshots (polled), the server's summary (throughput,
 * latency, per-project figures: the server's one aggregation, so every dashboard shows
 * the same numbers), projects, dead letters, workers, finance and the connection's own
 * ups and downs. No I/O, no clock (every input carries its time), no terminal:
 * `step(state, input)` is deterministic and unit-tested. For speed with thousands of
 * events it updates the state's bounded buffers in place and returns it; the selectors
 * below (`throughputSeries`, `latencyTable`, `activeAlerts`, `projectRows` …) are pure.
 */

import type { DeadLetter, FactoryStatusAnswer, FactorySummary, FinanceSummary, ProjectSummary, QueueStats, WorkerActivity } from "../http/FactoryApi.ts"
import { formatMsCompact } from "../util/Units.ts"

// ---------------------------------------------------------------------------------------
// What the HTTP API answers: the shapes are `FactoryApi`'s (the typed client decodes them);
// only the supervision tree, which the API declares as opaque data, is read here, defensively.

export type { DeadLetter, FactorySummary, FinanceSummary, QueueStats, WorkerActivity }

/** A factory event as the model folds it: any `FactoryEvent`, read by its `_tag`. */
export interface DashEvent {
  readonly _tag: string
  readonly at: number
  readonly [key: string]: unknown
}

export interface ChildNode {
  readonly id: string
  readonly state: string
  readonly backoffRemainingMs: number | null
  readonly restarts: number
  readonly lastError: string | null
  readonly subtree: SupervisorNode | null
}

export interface SupervisorNode {
  readonly supervisor: string
  readonly status: string
  readonly restartsInWindow?: number
  readonly maxRestarts?: number
  readonly children: ReadonlyArray<ChildNode>
}

export type StatusSnapshot = Omit<FactoryStatusAnswer, "version" | "supervision"> & { readonly supervision: SupervisorNode | null }

export type ProjectInfo = Pick<ProjectSummary, "slug" | "title"> & {
  readonly episodes?: number
  /** Why the project is held, when it is. */
  readonly held?: string | null
  readonly beatsLeft?: number | null
  readonly beatsAwaitingApproval?: number | null
}

export type FinanceView =
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "None" }
  | { readonly _tag: "Data"; readonly summary: FinanceSummary }

const num = (v: unknown, fallback = 0): number => (typeof v === "number" && Number.isFinite(v) ? v : fallback)
const str = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback)
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
const arr = (v: unknown): ReadonlyArray<unknown> => (Array.isArray(v) ? v : [])

/** The supervision tree of a status answer, or null when it is not one. */
export const decodeSupervisor = (value: unknown, depth = 0): SupervisorNode | null => {
  if (depth > 32) return null
  const o = obj(value)
  if (typeof o["supervisor"] !== "string") return null
  return {
    supervisor: o["supervisor"],
    status: str(o["status"], "running"),
    restartsInWindow: num(o["restartsInWindow"]),
    maxRestarts: num(o["maxRestarts"]),
    children: arr(o["children"]).map((c) => {
      const child = obj(c)
      return {
        id: str(child["id"], "?"),
        state: str(child["state"], "?"),
        backoffRemainingMs: typeof child["backoffRemainingMs"] === "number" ? child["backoffRemainingMs"] : null,
        restarts: num(child["restarts"]),
        lastError: typeof child["lastError"] === "string" ? child["lastError"] : null,
        subtree: decodeSupervisor(child["subtree"], depth + 1),
      }
    }),
  }
}

// ---------------------------------------------------------------------------------------
// Inputs and state

export type ModelInput =
  /** `key` identifies the event on the wire (its JSON), to skip the replay after a reconnect. */
  | { readonly _tag: "Event"; readonly event: DashEvent; readonly key?: string }
  | { readonly _tag: "Status"; readonly at: number; readonly status: StatusSnapshot }
  | { readonly _tag: "Projects"; readonly projects: ReadonlyArray<ProjectInfo> }
  | { readonly _tag: "Finance"; readonly summary: FinanceSummary | null }
  /** The server's pulse (`GET /api/v1/summary`). */
  | { readonly _tag: "Summary"; readonly summary: FactorySummary }
  | { readonly _tag: "DeadLetters"; readonly deadLetters: ReadonlyArray<DeadLetter> }
  | { readonly _tag: "Workers"; readonly at: number; readonly workers: ReadonlyArray<WorkerActivity> }
  | { readonly _tag: "Connected"; readonly at: number }
  | { readonly _tag: "Disconnected"; readonly at: number; readonly reason: string; readonly retryInMs: number }

export type Level = "info" | "ok" | "warn" | "error"

export interface LogEntry {
  readonly at: number
  readonly level: Level
  readonly text: string
}

/** An append-only log that keeps its last `capacity` entries (amortized O(1) append). */
export interface BoundedLog<T> {
  readonly capacity: number
  items: Array<T>
  start: number
  /** Bumped on every append: views cache derived data (filters) by it. */
  version: number
}

export const boundedLog = <T>(capacity: number): BoundedLog<T> => ({ capacity, items: [], start: 0, version: 0 })

export const append = <T>(log: BoundedLog<T>, item: T): void => {
  log.items.push(item)
  log.version++
  if (log.items.length - log.start > log.capacity) log.start++
  if (log.start > log.capacity) {
    log.items = log.items.slice(log.start)
    log.start = 0
  }
}

export const logSize = <T>(log: BoundedLog<T>): number => log.items.length - log.start

/** Entries oldest first. */
export const logEntries = <T>(log: BoundedLog<T>): ReadonlyArray<T> => (log.start === 0 ? log.items : log.items.slice(log.start))

export interface ActiveAlert {
  readonly rule: string
  readonly message: string
  readonly since: number
}

export interface Connection {
  readonly state: "connecting" | "connected" | "disconnected"
  readonly since: number | null
  readonly reason: string | null
  readonly attempts: number
  readonly retryInMs: number
}

export interface Thresholds {
  /** Queue depth from which the gauge turns yellow (default 6). */
  readonly warning: number
  /** Queue depth from which it turns red (default 21). */
  readonly critical: number
}

export const DEFAULT_THRESHOLDS: Thresholds = { warning: 6, critical: 21 }

export const EVENT_LOG_CAPACITY = 10_000
export const RECOVERY_LOG_CAPACITY = 1_000
const DEDUPE_WINDOW = 5_000
export const THROUGHPUT_MINUTES = 60

export interface DashboardState {
  connection: Connection
  status: StatusSnapshot | null
  statusAt: number | null
  projects: ReadonlyArray<ProjectInfo>
  titles: Map<string, string>
  finance: FinanceView
  /** The server's throughput, latency and per-project figures (null until it answers). */
  summary: FactorySummary | null
  deadLetters: ReadonlyArray<DeadLetter>
  workers: ReadonlyArray<WorkerActivity>
  /** Events folded (the events log's total). */
  totals: { events: number }
  alerts: Map<string, ActiveAlert>
  breakerOpenedAt: Map<string, number>
  crashedAt: Map<string, number>
  lostAt: number | null
  recovery: BoundedLog<LogEntry>
  events: BoundedLog<LogEntry>
  seen: Set<string>
  seenOrder: Array<string>
  lastEventAt: number | null
}

export const initialState = (): DashboardState => ({
  connection: { state: "connecting", since: null, reason: null, attempts: 0, retryInMs: 0 },
  status: null,
  statusAt: null,
  projects: [],
  titles: new Map(),
  finance: { _tag: "Unknown" },
  summary: null,
  deadLetters: [],
  workers: [],
  totals: { events: 0 },
  alerts: new Map(),
  breakerOpenedAt: new Map(),
  crashedAt: new Map(),
  lostAt: null,
  recovery: boundedLog(RECOVERY_LOG_CAPACITY),
  events: boundedLog(EVENT_LOG_CAPACITY),
  seen: new Set(),
  seenOrder: [],
  lastEventAt: null,
})

// ---------------------------------------------------------------------------------------
// Formatting helpers (pure)

/** `42 s`, `3 m 05 s`, `1 h 02 m`: durations an operator reads at a glance. */
export const formatDuration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, "0")} s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} m`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}


export const clock = (at: number): string => new Date(at).toISOString().slice(11, 19)

const firstLine = (text: string | null | undefined): string => (text ?? "").split("\n").find((l) => l.trim() !== "")?.trim() ?? ""

const projectName = (state: DashboardState, slug: unknown): string => {
  const s = str(slug, "?")
  const title = state.titles.get(s)
  return title && title !== s ? `${title} (${s})` : s
}

const jobName = (state: DashboardState, event: DashEvent): string => {
  if (typeof event["project"] === "string" && typeof event["episode"] === "number") {
    return `${projectName(state, event["project"])} #${event["episode"]}`
  }
  return str(event["job"], "?")
}

const childPath = (event: DashEvent): string => `${str(event["supervisor"], "?")}/${str(event["child"], "?")}`

/** One line for the events log (every event has one). */
export const describeEvent = (state: DashboardState, event: DashEvent): { level: Level; text: string } => {
  switch (event._tag) {
    case "JobEnqueued":
      return { level: "info", text: `+ queued ${jobName(state, event)}` }
    case "StageFinished":
      return {
        level: event["ok"] === false ? "warn" : "info",
        text: `${event["ok"] === false ? "✗" : "·"} ${str(event["stage"])} ${str(event["job"])} ${formatMsCompact(num(event["ms"]))}`,
      }
    case "JobRejected":
      return { level: "warn", text: `↺ guard rejected draft ${num(event["draft"])} of ${str(event["job"])} (${num(event["findings"])} findings)` }
    case "JobCommitted":
      return { level: "ok", text: `✓ committed ${jobName(state, event)} in ${formatMsCompact(num(event["durationMs"]))}` }
    case "JobRetrying":
      return { level: "warn", text: `↻ retrying ${str(event["job"])}: ${firstLine(str(event["reason"]))}` }
    case "JobDead":
      return { level: "error", text: `✗ dead ${jobName(state, event)}: ${firstLine(str(event["reason"]))}` }
    case "ChildStarted":
      return { level: "info", text: `▶ started ${childPath(event)}` }
    case "ChildExited":
      return event["outcome"] === "failure"
        ? { level: "error", text: `✗ ${childPath(event)} crashed: ${firstLine(str(event["cause"]))}` }
        : { level: "info", text: `■ ${childPath(event)} exited (${str(event["outcome"])})` }
    case "ChildRestarting":
      return { level: "warn", text: `↻ ${childPath(event)} restart #${num(event["attempt"])} in ${formatMsCompact(num(event["delayMs"]))}` }
    case "SupervisorEscalated":
      return { level: "error", text: `⚠ supervisor ${str(event["supervisor"])} escalated: ${firstLine(str(event["cause"]))}` }
    case "BreakerChanged": {
      const to = str(event["to"])
      const reason = firstLine(typeof event["reason"] === "string" ? event["reason"] : null)
      return {
        level: to === "open" ? "error" : to === "half-open" ? "warn" : "ok",
        text: `↯ ${str(event["breaker"])} breaker ${str(event["from"])} → ${to}${reason ? ` (${reason})` : ""}`,
      }
    }
    case "IntakeChanged":
      return { level: "info", text: event["paused"] === true ? "‖ intake paused" : "▶ intake resumed" }
    case "Alert":
      return {
        level: event["state"] === "resolved" ? "ok" : "error",
        text: `! ${str(event["rule"])} ${str(event["state"])}: ${firstLine(str(event["message"]))}`,
      }
    default:
      return { level: "info", text: event._tag }
  }
}

// ---------------------------------------------------------------------------------------
// The fold

const recover = (state: DashboardState, at: number, level: Level, text: string): void => append(state.recovery, { at, level, text })

const remember = (state: DashboardState, key: string): boolean => {
  if (state.seen.has(key)) return false
  state.seen.add(key)
  state.seenOrder.push(key)
  if (state.seenOrder.length > DEDUPE_WINDOW * 2) {
    for (const old of state.seenOrder.splice(0, state.seenOrder.length - DEDUPE_WINDOW)) state.seen.delete(old)
  }
  return true
}

const applyEvent = (state: DashboardState, event: DashEvent): void => {
  const at = event.at
  state.totals.events++
  state.lastEventAt = state.lastEventAt === null ? at : Math.max(state.lastEventAt, at)
  const line = describeEvent(state, event)
  append(state.events, { at, level: line.level, text: line.text })
  switch (event._tag) {
    case "ChildExited":
      if (event["outcome"] === "failure") {
        const path = childPath(event)
        if (!state.crashedAt.has(path)) state.crashedAt.set(path, at)
        recover(state, at, "error", line.text)
      }
      break
    case "ChildRestarting":
      recover(state, at, "warn", line.text)
      break
    case "ChildStarted": {
      const path = childPath(event)
      const crashed = state.crashedAt.get(path)
      if (crashed !== undefined) {
        state.crashedAt.delete(path)
        recover(state, at, "ok", `✓ ${path} back up after ${formatDuration(at - crashed)}`)
      }
      break
    }
    case "SupervisorEscalated":
      recover(state, at, "error", line.text)
      break
    case "BreakerChanged": {
      const breaker = str(event["breaker"], "?")
      const to = str(event["to"])
      if (to === "open") {
        if (!state.breakerOpenedAt.has(breaker)) state.breakerOpenedAt.set(breaker, at)
        recover(state, at, "error", line.text)
      } else if (to === "closed") {
        const opened = state.breakerOpenedAt.get(breaker)
        state.breakerOpenedAt.delete(breaker)
        recover(state, at, "ok", opened === undefined ? line.text : `✓ ${breaker} recovered in ${formatDuration(at - opened)}`)
      } else {
        recover(state, at, "warn", line.text)
      }
      break
    }
    case "Alert": {
      const rule = str(event["rule"], "?")
      if (event["state"] === "resolved") state.alerts.delete(rule)
      else state.alerts.set(rule, { rule, message: str(event["message"]), since: state.alerts.get(rule)?.since ?? at })
      break
    }
    case "IntakeChanged":
      if (state.status) state.status = { ...state.status, paused: event["paused"] === true }
      break
  }
}

/** Folds one input into the state (in place) and returns it. */
export const step = (state: DashboardState, input: ModelInput): DashboardState => {
  switch (input._tag) {
    case "Event":
      if (input.key !== undefined && !remember(state, input.key)) return state
      applyEvent(state, input.event)
      return state
    case "Status": {
      const previous = state.status
      // The same process would report at least its old uptime plus the time since; much
      // less means a new process (restarted, perhaps after a crash).
      const expected = previous && state.statusAt !== null ? previous.uptimeMs + Math.max(0, input.at - state.statusAt) : null
      if (previous && expected !== null && input.status.uptimeMs + 2_000 < expected) {
        recover(state, input.at, "warn", `↻ server restarted (uptime ${formatDuration(previous.uptimeMs)} → ${formatDuration(input.status.uptimeMs)})`)
        // Alerts and open breakers belonged to the old process; the new one re-announces its own.
        state.alerts.clear()
        state.crashedAt.clear()
      }
      state.status = input.status
      state.statusAt = input.at
      return state
    }
    case "Projects":
      state.projects = input.projects
      state.titles = new Map(input.projects.map((p) => [p.slug, p.title]))
      return state
    case "Finance":
      state.finance = input.summary === null ? { _tag: "None" } : { _tag: "Data", summary: input.summary }
      return state
    case "Summary":
      state.summary = input.summary
      return state
    case "DeadLetters":
      state.deadLetters = input.deadLetters
      return state
    case "Workers":
      state.workers = input.workers
      return state
    case "Connected": {
      if (state.lostAt !== null) {
        recover(state, input.at, "ok", `✓ reconnected to the server after ${formatDuration(input.at - state.lostAt)}`)
        state.lostAt = null
      }
      state.connection = { state: "connected", since: input.at, reason: null, attempts: 0, retryInMs: 0 }
      return state
    }
    case "Disconnected": {
      const was = state.connection
      if (was.state === "connected") {
        state.lostAt = input.at
        recover(state, input.at, "error", `✗ lost the server: ${firstLine(input.reason)}`)
      }
      state.connection = {
        state: "disconnected",
        since: was.state === "disconnected" ? was.since : input.at,
        reason: input.reason,
        attempts: was.state === "disconnected" ? was.attempts + 1 : 1,
        retryInMs: input.retryInMs,
      }
      return state
    }
  }
}

export const fold = (state: DashboardState, inputs: Iterable<ModelInput>): DashboardState => {
  for (const input of inputs) step(state, input)
  return state
}

// ---------------------------------------------------------------------------------------
// Selectors (pure)

export const STAGES: ReadonlyArray<string> = ["writer", "guard", "editor"]

export interface LatencyRow {
  readonly stage: string
  readonly count: number
  readonly failures: number
  readonly p50: number
  readonly p95: number
}

/** p50/p95 per stage as the server measured them: writer, guard, editor, then any other stage it saw. */
export const latencyTable = (state: DashboardState): ReadonlyArray<LatencyRow> => {
  const measured = state.summary?.latency ?? []
  const stages = [...STAGES, ...measured.map((l) => l.stage).filter((s) => !STAGES.includes(s))]
  return stages.map((stage) => {
    const row = measured.find((l) => l.stage === stage)
    return {
      stage,
      count: row?.count ?? 0,
      failures: row?.failures ?? 0,
      p50: row?.p50 ?? Number.NaN,
      p95: row?.p95 ?? Number.NaN,
    }
  })
}

export interface ThroughputSeries {
  /** Minutes ago for each point, oldest first (59 … 0). */
  readonly minutesAgo: ReadonlyArray<number>
  readonly committed: ReadonlyArray<number>
  readonly failed: ReadonlyArray<number>
}

/** Episodes per minute, committed vs failed, one point per minute of the server's last hour (zeros before it answers). */
export const throughputSeries = (state: DashboardState, minutes = THROUGHPUT_MINUTES): ThroughputSeries => {
  const points = (state.summary?.throughput ?? []).slice(-minutes)
  const missing = minutes - points.length
  const minutesAgo = Array.from({ length: minutes }, (_, i) => minutes - 1 - i)
  const pad = (xs: ReadonlyArray<number>) => [...Array.from({ length: missing }, () => 0), ...xs]
  return { minutesAgo, committed: pad(points.map((p) => p.committed)), failed: pad(points.map((p) => p.failed)) }
}

/** Mean episodes per minute over the last five minutes, as the server counts them. */
export const ratePerMinute = (state: DashboardState): { committed: number; failed: number } => state.summary?.rate ?? { committed: 0, failed: 0 }

/** Alerts firing now (a later `resolved` for the same rule clears one), oldest first. */
export const activeAlerts = (state: DashboardState): ReadonlyArray<ActiveAlert> =>
  [...state.alerts.values()].sort((a, b) => a.since - b.since || a.rule.localeCompare(b.rule))

export type QueueLevel = "normal" | "warning" | "critical"

export const queueLevel = (depth: number, thresholds: Thresholds = DEFAULT_THRESHOLDS): QueueLevel =>
  depth >= thresholds.critical ? "critical" : depth >= thresholds.warning ? "warning" : "normal"

export interface ActorRow {
  readonly path: string
  readonly depth: number
  readonly state: string
  readonly restarts: number
  readonly lastError: string | null
  readonly backoffRemainingMs: number | null
  readonly supervisor: boolean
}

/** The supervision tree flattened depth first: one row per child (a supervising child is followed by its subtree). */
export const actorRows = (root: SupervisorNode | null): ReadonlyArray<ActorRow> => {
  if (root === null) return []
  const rows: Array<ActorRow> = []
  const walk = (node: SupervisorNode, depth: number) => {
    for (const child of node.children) {
      rows.push({
        path: `${node.supervisor}/${child.id}`,
        depth,
        state: child.state,
        restarts: child.restarts,
        lastError: child.lastError,
        backoffRemainingMs: child.state === "backing-off" ? child.backoffRemainingMs : null,
        supervisor: child.subtree !== null,
      })
      if (child.subtree) walk(child.subtree, depth + 1)
    }
  }
  walk(root, 0)
  return rows
}

/** Events log lines matching a case-insensitive filter (all when empty), oldest first. */
export const filterLog = (entries: ReadonlyArray<LogEntry>, filter: string): ReadonlyArray<LogEntry> => {
  const needle = filter.trim().toLowerCase()
  if (needle === "") return entries
  return entries.filter((e) => e.text.toLowerCase().includes(needle))
}

export interface ProjectRow {
  readonly slug: string
  readonly title: string
  readonly committed: number
  readonly queued: number
  readonly inFlight: number
  readonly dead: number
  readonly held: string | null
  readonly beatsLeft: number | null
  readonly costTodayUsd: number | null
}

/** One row per project: its title and beats (the projects list) joined with the server's counts and cost today. */
export const projectRows = (state: DashboardState): ReadonlyArray<ProjectRow> => {
  const pulse = new Map((state.summary?.projects ?? []).map((p) => [p.project, p]))
  const slugs = [...new Set([...state.projects.map((p) => p.slug), ...pulse.keys()])].sort()
  return slugs.map((slug) => {
    const info = state.projects.find((p) => p.slug === slug)
    const counts = pulse.get(slug)
    return {
      slug,
      title: info?.title ?? slug,
      committed: counts?.committed ?? info?.episodes ?? 0,
      queued: counts?.queued ?? 0,
      inFlight: counts?.inFlight ?? 0,
      dead: counts?.dead ?? 0,
      held: counts?.held ?? info?.held ?? null,
      beatsLeft: info?.beatsLeft ?? null,
      costTodayUsd: counts?.costTodayUsd ?? null,
    }
  })
}

/** The row a view's selection points at, the index clamped to the rows there are. */
export const selectedRow = <A>(rows: ReadonlyArray<A>, index: number): A | null =>
  rows.length === 0 ? null : rows[Math.min(Math.max(0, index), rows.length - 1)]!

/** The full text of an alert (the alerts panel shows its first line). */
export const alertText = (alert: ActiveAlert): string => `${alert.rule} (since ${clock(alert.since)})\n\n${alert.message}`

/** A dead letter in full: its cause and the guard's findings. */
export const deadLetterText = (letter: DeadLetter, title: string): string =>
  [
    `${title} #${letter.episode} (${letter.job}) — ${letter.state}, ${letter.deliveries} deliveries, since ${clock(letter.at)}`,
    "",
    letter.cause,
    ...(letter.findings.length === 0 ? [] : ["", "findings:", ...letter.findings.map((f) => `  ${f.severity} ${f.code}: ${f.message}`)]),
    "",
    letter.state === "dead" ? "r retry · s skip (with a reason)" : "held by the operator: resume the project, or s skip",
  ].join("\n")
