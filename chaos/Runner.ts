/**
 * Chaos day: break a REAL factory — `serve` child processes on a temporary data directory,
 * driven through its HTTP API — and check that it heals without losing or duplicating work.
 *
 * Each scenario: start `serve`, create projects and enqueue their episodes (the accepted
 * jobs), break something, heal it, time the recovery (the factory answers, its breakers are
 * closed and it commits again — or has nothing left to do), wait until every accepted job is
 * final (or waiting behind a dead episode of its project), then audit: every accepted job
 * committed or dead, or waiting behind a dead one (else *lost*), every committed job's
 * episode in the store, each (project, episode) stored at most once and only for a committed
 * job (else *duplicated*). Like a service manager, the runner restarts a `serve` that exits
 * on its own (a supervisor that gave up) and reports it.
 *
 * Time is the real clock here; randomness (when to strike) comes from `--seed`.
 */
import { mulberry32 } from "../src/util/Prng.ts"
import type { FactoryEvent } from "../src/events/FactoryEvent.ts"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type Simulator, startSimulator } from "../src/llm/Simulator.ts"
import {
  api,
  type ApiAnswer,
  CHAOS_ENTRY,
  describeAnswer,
  MAIN_ENTRY,
  makeHome,
  type ServeProcess,
  sleep,
  startServe,
  stopServe,
} from "./Processes.ts"
import { type RedisServer, startRedisServer } from "./RedisServer.ts"
import { type ChaosOptions, defaultChaosOptions, SCENARIOS, type ScenarioName } from "../src/ops/chaos/ChaosPlan.ts"
import { errorMessage } from "../src/util/ErrorMessage.ts"

export { type ChaosOptions, defaultChaosOptions, SCENARIOS, type ScenarioName }

export interface Recovery {
  readonly what: string
  /** ms from the fault being healed (or the kill) to recovery; null: not within the bound. */
  readonly withinMs: number | null
  readonly ok: boolean
}

export interface ScenarioReport {
  readonly scenario: ScenarioName
  readonly broke: ReadonlyArray<string>
  readonly recoveries: ReadonlyArray<Recovery>
  readonly accepted: number
  readonly committed: number
  readonly dead: number
  /** Queued behind a dead episode of their project (it holds the project until an operator retries or skips it). */
  readonly waiting: number
  readonly lost: number
  readonly duplicated: number
  /** Other broken promises: a committed episode missing from the store, a store the API could not read … */
  readonly problems: ReadonlyArray<string>
  /** `serve` exits the runner did not cause (restarted as a service manager would). */
  readonly unexpectedExits: number
  readonly ok: boolean
  readonly elapsedMs: number
}

export interface ChaosReport {
  readonly scenarios: ReadonlyArray<ScenarioReport>
  readonly ok: boolean
}

// ---------------------------------------------------------------------------------------------

const seconds = (ms: number) => (ms / 1000).toFixed(1)
const clock = () => new Date().toISOString().slice(11, 19)
const GENRES = ["fantasy_kr", "modern_noir", "romance_comedy"]

/** One `serve` under the runner's care, restarted if it exits on its own. */
class Service {
  proc: ServeProcess | undefined
  unexpectedExits = 0
  private intended = false
  private restarting: Promise<void> | undefined
  private readonly start: () => Promise<ServeProcess>
  private readonly log: (line: string) => void
  constructor(start: () => Promise<ServeProcess>, log: (line: string) => void) {
    this.start = start
    this.log = log
  }
  url(): string {
    return this.proc?.url ?? "http://127.0.0.1:1"
  }
  async up(): Promise<void> {
    this.intended = false
    const proc = await this.start()
    this.proc = proc
    void proc.exited.then(({ code, signal }) => {
      if (this.intended || this.proc !== proc) return
      this.unexpectedExits++
      this.log(`  ⚠ ${clock()} serve (pid ${proc.pid}) exited on its own (${code ?? signal}); restarting it as a service manager would`)
      this.log(`    ${proc.output().trim().split("\n").slice(-5).join("\n    ")}`)
      this.restarting = this.up().catch((error) => this.log(`  ✘ restart failed: ${String(error)}`))
    })
  }
  async kill(signal: NodeJS.Signals): Promise<void> {
    await this.restarting
    this.intended = true
    if (this.proc) await stopServe(this.proc, signal)
  }
  async settle(): Promise<void> {
    await this.restarting
  }
}

interface Workload {
  readonly slugs: ReadonlyArray<string>
  readonly jobs: ReadonlyArray<string>
}

/** The job (`slug:episode`) comes after a dead episode of its project, so it waits for an operator's retry or skip. */
const waitsBehindDead = (id: string, states: ReadonlyMap<string, string>): boolean => {
  const colon = id.lastIndexOf(":")
  const project = id.slice(0, colon)
  const episode = Number(id.slice(colon + 1))
  for (const [other, state] of states) {
    const at = other.lastIndexOf(":")
    if (state === "dead" && other.slice(0, at) === project && Number(other.slice(at + 1)) < episode) return true
  }
  return false
}

/** Retries an API call through restarts and outages (no answer / 5xx) until `deadline`. */
const persist = async <A>(call: () => Promise<ApiAnswer<A>>, ok: (a: ApiAnswer<A>) => boolean, deadline: number): Promise<ApiAnswer<A>> => {
  let last = await call()
  while (!ok(last) && Date.now() < deadline && (last._tag === "NoAnswer" || (last._tag === "Problem" && last.status >= 500))) {
    await sleep(200)
    last = await call()
  }
  return last
}

interface Status {
  readonly committed: number
  readonly pending: number
  /** Projects on hold (a dead episode, or an operator). */
  readonly held: number
  readonly breakersClosed: boolean
}

const status = async (url: string): Promise<Status | undefined> => {
  const s = await api(url, (client) => client.factory.status(), 3_000)
  if (s._tag !== "Answered") return undefined
  const { queue, dependencies } = s.value
  return {
    committed: queue.committed,
    pending: queue.queued + queue.inFlight,
    held: queue.held,
    breakersClosed: dependencies.every((d) => d.state === "closed"),
  }
}

/** Scenario context: the service, the workload and the audit. */
class Run {
  readonly broke: Array<string> = []
  readonly recoveries: Array<Recovery> = []
  readonly problems: Array<string> = []
  workload: Workload = { slugs: [], jobs: [] }
  readonly service: Service
  readonly options: ChaosOptions
  readonly random: () => number
  constructor(service: Service, options: ChaosOptions, random: () => number) {
    this.service = service
    this.options = options
    this.random = random
  }
  log(line: string) {
    this.options.out(line)
  }
  breaks(what: string) {
    this.broke.push(what)
    this.log(`  💥 ${clock()} ${what}`)
  }
  heals(what: string) {
    this.log(`  🩹 ${clock()} ${what}`)
  }

  async enqueue(name: string): Promise<void> {
    const { projects, episodes } = this.options
    const deadline = Date.now() + 60_000
    const slugs: Array<string> = []
    const jobs: Array<string> = []
    for (let i = 0; i < projects; i++) {
      const slug = `chaos-${name}-${i + 1}`
      // A 409 is a creation that an earlier, unanswered attempt already made.
      const createdOrExists = (a: ApiAnswer<unknown>) => a._tag === "Answered" || (a._tag === "Problem" && a.status === 409)
      const created = await persist(
        () => api(this.service.url(), (client) => client.projects.create({ payload: { slug, genre: GENRES[i % GENRES.length]! } })),
        createdOrExists,
        deadline,
      )
      if (!createdOrExists(created)) throw new Error(`cannot create project ${slug}: ${describeAnswer(created)}`)
      const enqueued = await persist(
        () => api(this.service.url(), (client) => client.projects.enqueue({ params: { slug }, payload: { from: 1, to: episodes } })),
        (a) => a._tag === "Answered",
        deadline,
      )
      if (enqueued._tag !== "Answered") throw new Error(`cannot enqueue ${slug}: ${describeAnswer(enqueued)}`)
      slugs.push(slug)
      jobs.push(...enqueued.value.jobs)
    }
    this.workload = { slugs, jobs }
    this.log(`  workload: ${projects} projects × ${episodes} episodes accepted (${jobs.length} jobs)`)
  }

  /** Every accepted job is final or waits behind a dead episode of its project: nothing is left to do without an operator. */
  async onlyHeldWorkLeft(): Promise<boolean> {
    const results = await api(this.service.url(), (client) => client.jobs.results({ query: { count: 1000 } }))
    if (results._tag !== "Answered") return false
    const states = new Map<string, string>()
    for (const job of results.value) states.set(job.id, job.state)
    return this.workload.jobs.every((id) => states.has(id) || waitsBehindDead(id, states))
  }

  /** Waits (real time, at most `ms`) until the factory committed `n` more episodes. */
  async committedMore(n: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms
    const before = (await status(this.service.url()))?.committed ?? 0
    while (Date.now() < deadline) {
      const s = await status(this.service.url())
      if (s && (s.committed >= before + n || s.pending === 0 || (s.held > 0 && (await this.onlyHeldWorkLeft())))) return
      await sleep(100)
    }
  }

  /**
   * Recovered: the API answers, every breaker is closed, and the factory committed something
   * since `since` (or has nothing left to do). Measured from `since`.
   */
  async recovery(what: string, since: number, baseline: number | undefined): Promise<void> {
    const deadline = since + this.options.boundMs
    let base = baseline
    while (Date.now() < deadline) {
      await this.service.settle()
      const s = await status(this.service.url())
      if (s !== undefined) {
        base ??= s.committed
        if (s.breakersClosed && (s.committed > base || s.pending === 0 || (s.held > 0 && (await this.onlyHeldWorkLeft())))) {
          const withinMs = Date.now() - since
          this.recoveries.push({ what, withinMs, ok: true })
          this.log(`  Recovered within ${seconds(withinMs)} s ✅  (${what})`)
          return
        }
      }
      await sleep(100)
    }
    this.recoveries.push({ what, withinMs: null, ok: false })
    this.log(`  Not recovered within ${seconds(this.options.boundMs)} s ❌  (${what})`)
  }

  async committedNow(): Promise<number | undefined> {
    return (await status(this.service.url()))?.committed
  }

  /** Every accepted job final (or the bound passed), then the audit. */
  async audit(): Promise<Pick<ScenarioReport, "accepted" | "committed" | "dead" | "waiting" | "lost" | "duplicated">> {
    const url = () => this.service.url()
    const deadline = Date.now() + this.options.boundMs
    const states = new Map<string, string>()
    const ids = new Set(this.workload.jobs)
    while (Date.now() < deadline) {
      await this.service.settle()
      const results = await api(url(), (client) => client.jobs.results({ query: { count: 1000 } }))
      if (results._tag === "Answered") {
        for (const job of results.value) if (ids.has(job.id)) states.set(job.id, job.state)
      }
      if ([...ids].every((id) => states.has(id) || waitsBehindDead(id, states))) break
      if (process.env["CHAOS_DEBUG"]) this.log(`  … ${states.size}/${ids.size} final (results ${describeAnswer(results)})`)
      await sleep(250)
    }
    const read = Date.now() + 60_000
    // The final word comes from each job itself.
    for (const id of ids) {
      const job = await persist(() => api(url(), (client) => client.jobs.get({ params: { id } })), (a) => a._tag === "Answered", read)
      if (job._tag === "Answered") states.set(id, job.value.state)
      else if (job._tag === "Problem" && job.status === 404) states.set(id, "missing")
      else this.problems.push(`cannot read job ${id}: ${describeAnswer(job).slice(0, 200)}`)
    }
    const committedJobs = [...ids].filter((id) => states.get(id) === "committed")
    const deadJobs = [...ids].filter((id) => states.get(id) === "dead")
    // A dead episode holds its project: the episodes after it wait, queued, for an operator.
    const waiting = [...ids].filter((id) => states.get(id) === "queued" && waitsBehindDead(id, states))
    const lostJobs = [...ids].filter((id) => !["committed", "dead"].includes(states.get(id) ?? "") && !waiting.includes(id))
    let duplicated = 0
    let missing = 0
    for (const slug of this.workload.slugs) {
      const list = await persist(() => api(url(), (client) => client.projects.episodes({ params: { slug } })), (a) => a._tag === "Answered", read)
      if (list._tag !== "Answered") {
        this.problems.push(`cannot list the episodes of ${slug}: ${describeAnswer(list)}`)
        continue
      }
      const numbers = list.value.map((e) => e.number)
      const seen = new Set<number>()
      for (const n of numbers) {
        if (seen.has(n)) {
          duplicated++
          this.problems.push(`${slug} episode ${n} is stored more than once`)
        }
        seen.add(n)
        if (states.get(`${slug}:${n}`) !== "committed") {
          duplicated++
          this.problems.push(`${slug} episode ${n} is stored but its job is ${states.get(`${slug}:${n}`) ?? "unknown"}`)
        }
      }
      for (const id of committedJobs.filter((j) => j.startsWith(`${slug}:`))) {
        if (!seen.has(Number(id.slice(slug.length + 1)))) {
          missing++
          this.problems.push(`job ${id} is committed but its episode is not in the store`)
        }
      }
    }
    for (const id of lostJobs) this.problems.push(`job ${id} was accepted and is ${states.get(id) ?? "unknown"} at the end`)
    return {
      accepted: ids.size,
      committed: committedJobs.length,
      dead: deadJobs.length,
      waiting: waiting.length,
      lost: lostJobs.length + missing,
      duplicated,
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Setup {
  readonly entry: string
  readonly env: Record<string, string>
  readonly yaml: string
}

const fastYaml = (fast: boolean) =>
  fast
    ? "supervision:\n  backoffBaseMs: 200\n  backoffMaxMs: 2000\n  resetAfterMs: 5000\npipeline:\n  retryDelayMs: 300\n  pollMs: 100\n  shutdownGraceMs: 2000\n"
    : ""

const baseEnv = (o: ChaosOptions): Record<string, string> => ({
  FACTORY_CONCURRENCY: String(o.concurrency),
  FACTORY_OFFLINE_LATENCY_MS: String(o.paceMs),
  ...(o.fast ? { FACTORY_LEASE_MS: "2000" } : {}),
})

type Scenario = (run: Run, home: string) => Promise<{ readonly setup: Setup; readonly body: () => Promise<void>; readonly cleanup?: () => Promise<void> }>

const faultSwitch = (home: string) => {
  const file = join(home, "chaos-faults.on")
  return {
    file,
    on: () => writeFileSync(file, "on\n"),
    off: () => rmSync(file, { force: true }),
  }
}

/** Events of the running process matching `predicate` (its in-memory recent events). */
const countEvents = async (url: string, predicate: (e: FactoryEvent) => boolean): Promise<number> => {
  const recent = await api(url, (client) => client.factory.recentEvents({ query: { limit: "1000" } }))
  return recent._tag === "Answered" ? recent.value.filter(predicate).length : 0
}

const crashedWorkers = (url: string) => countEvents(url, (e) => e._tag === "ChildExited" && e.outcome === "failure")

const killWorker: Scenario = async (run, home) => {
  const o = run.options
  const sw = faultSwitch(home)
  return {
    setup: {
      entry: CHAOS_ENTRY,
      env: { ...baseEnv(o), FACTORY_CHAOS_CRASH_RATE: String(o.faultRate), FACTORY_CHAOS_SWITCH: sw.file },
      yaml: fastYaml(o.fast),
    },
    body: async () => {
      await run.committedMore(1, o.boundMs)
      sw.on()
      run.breaks(`crashing pipeline stages at random (p=${o.faultRate} at each fault point) for ${seconds(o.durationMs)} s`)
      await sleep(o.durationMs)
      sw.off()
      const healed = Date.now()
      const baseline = await run.committedNow()
      run.heals(`crashes stopped (${await crashedWorkers(run.service.url())} worker crashes seen in the event stream)`)
      await run.recovery("workers crashing at random", healed, baseline)
    },
  }
}

const killProcess: Scenario = async (run) => {
  const o = run.options
  return {
    setup: { entry: MAIN_ENTRY, env: baseEnv(o), yaml: fastYaml(o.fast) },
    body: async () => {
      for (let k = 0; k < o.kills; k++) {
        await run.committedMore(1, o.boundMs)
        await sleep(Math.floor(run.random() * Math.min(o.durationMs, 2_000)))
        const pid = run.service.proc?.pid
        const killed = Date.now()
        await run.service.kill("SIGKILL")
        run.breaks(`SIGKILL serve (pid ${pid}), kill ${k + 1} of ${o.kills}`)
        await run.service.up()
        run.heals(`serve started again (pid ${run.service.proc?.pid}) in ${seconds(Date.now() - killed)} s`)
        await run.recovery(`SIGKILL ${k + 1}`, killed, await run.committedNow())
      }
    },
  }
}

const redisDown: Scenario = async (run) => {
  const o = run.options
  const redis: RedisServer = await startRedisServer({ binary: process.env["REDIS_SERVER"] ?? "redis-server" })
  return {
    setup: { entry: MAIN_ENTRY, env: { ...baseEnv(o), REDIS_URL: redis.url }, yaml: fastYaml(o.fast) },
    body: async () => {
      await run.committedMore(1, o.boundMs)
      await redis.down()
      run.breaks(`redis-server stopped (${redis.url}) for ${seconds(o.durationMs)} s`)
      await sleep(o.durationMs)
      await redis.restart()
      const healed = Date.now()
      run.heals("redis-server started again (same data, AOF)")
      await run.recovery("Redis outage", healed, undefined)
    },
    cleanup: () => redis.stop(),
  }
}

const llmFaults: Scenario = async (run) => {
  const o = run.options
  // Answers sized to the genres' length bands, so that drafts can pass the guard.
  const sim: Simulator = await startSimulator({ seed: o.seed, answerTokens: { min: 3950, max: 4150 }, latencyMs: { min: 20, max: o.paceMs } })
  const yaml =
    `llm:\n  kind: openai\n  baseUrl: ${sim.url}\n  model: sim-korean\n  apiKeyEnv: OPENAI_API_KEY\n  temperature: 0.7\n` +
    `  maxTokens: 8192\n  timeoutMs: ${o.fast ? 2_000 : 10_000}\n` +
    `  retry: { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 2000, maxRetryAfterMs: 5000 }\n` +
    fastYaml(o.fast)
  return {
    setup: { entry: MAIN_ENTRY, env: { FACTORY_CONCURRENCY: String(o.concurrency), ...(o.fast ? { FACTORY_LEASE_MS: "2000" } : {}), OPENAI_API_KEY: "dummy" }, yaml },
    body: async () => {
      await run.committedMore(1, o.boundMs)
      sim.script(Array.from({ length: 3 }, () => ({ kind: "429" as const, retryAfterMs: 300 })))
      sim.configure({ failureRate: 0.3, hangRate: 0.1, truncateRate: 0.3 })
      const before = sim.stats()
      run.breaks(`LLM simulator: a burst of 429s, then 30% 500s, 10% hangs, 30% truncations for ${seconds(o.durationMs)} s`)
      await sleep(o.durationMs)
      sim.configure({ failureRate: 0, hangRate: 0, truncateRate: 0 })
      const s = sim.stats()
      const healed = Date.now()
      run.heals(
        `LLM healthy again (during the faults: ${s.rateLimited - before.rateLimited} × 429, ${s.serverErrors - before.serverErrors} × 500, ` +
          `${s.hung - before.hung} hung, ${s.truncated - before.truncated} truncated)`,
      )
      await run.recovery("LLM faults", healed, undefined)
    },
    cleanup: () => sim.close(),
  }
}

const storeErrors: Scenario = async (run, home) => {
  const o = run.options
  const sw = faultSwitch(home)
  return {
    setup: {
      entry: CHAOS_ENTRY,
      env: { ...baseEnv(o), FACTORY_CHAOS_STORE_FAIL_RATE: String(o.faultRate * 2), FACTORY_CHAOS_SWITCH: sw.file },
      yaml: fastYaml(o.fast),
    },
    body: async () => {
      await run.committedMore(1, o.boundMs)
      sw.on()
      run.breaks(`story store: commits fail before (p=${o.faultRate * 2}) or lose their answer after (p=${o.faultRate * 2}) for ${seconds(o.durationMs)} s`)
      await sleep(o.durationMs)
      sw.off()
      const healed = Date.now()
      const retried = await countEvents(run.service.url(), (e) => e._tag === "JobRetrying" && (e.reason ?? "").includes("chaos"))
      run.heals(`store errors stopped (${retried} deliveries handed back after an injected store error)`)
      await run.recovery("store errors", healed, undefined)
    },
  }
}

const scenarios: Record<ScenarioName, Scenario> = {
  "kill-worker": killWorker,
  "kill-process": killProcess,
  "redis-down": redisDown,
  "llm-faults": llmFaults,
  "store-errors": storeErrors,
}

/** Runs one scenario on a fresh data directory. */
export const runScenario = async (name: ScenarioName, options: ChaosOptions): Promise<ScenarioReport> => {
  const started = Date.now()
  const home = makeHome(`nf-chaos-${name}-`)
  const random = mulberry32(options.seed ^ (SCENARIOS.indexOf(name) * 0x9e3779b1))
  options.out(`━━ ${name} (seed ${options.seed}, data ${home.dir}) ━━`)
  let service: Service | undefined
  let cleanup: (() => Promise<void>) | undefined
  let run: Run | undefined
  let audit: Awaited<ReturnType<Run["audit"]>> = { accepted: 0, committed: 0, dead: 0, waiting: 0, lost: 0, duplicated: 0 }
  const problems: Array<string> = []
  try {
    let setup: Setup | undefined
    service = new Service(() => startServe({ entry: setup!.entry, home: home.dir, env: setup!.env }), options.out)
    run = new Run(service, options, random)
    const scenario = await scenarios[name](run, home.dir)
    setup = scenario.setup
    cleanup = scenario.cleanup
    if (setup.yaml !== "") writeFileSync(join(home.dir, "factory.yaml"), setup.yaml)
    await service.up()
    await run.enqueue(name)
    await scenario.body()
    audit = await run.audit()
  } catch (error) {
    problems.push(`the scenario could not run: ${errorMessage(error)}`)
    options.out(`  ✘ ${problems[problems.length - 1]}`)
  } finally {
    if (service) {
      await service.kill("SIGTERM").catch(() => {})
    }
    await cleanup?.().catch(() => {})
    if (!options.keepData) home.cleanup()
  }
  problems.push(...(run?.problems ?? []))
  const recoveries = run?.recoveries ?? []
  const ok = problems.length === 0 && audit.lost === 0 && audit.duplicated === 0 && recoveries.length > 0 && recoveries.every((r) => r.ok)
  const mark = (n: number) => (n === 0 ? "✅" : "❌")
  options.out(
    `  jobs: accepted ${audit.accepted}, committed ${audit.committed}, dead ${audit.dead}${audit.waiting > 0 ? ` (${audit.waiting} waiting behind it)` : ""}, lost ${audit.lost} ${mark(audit.lost)}, duplicated ${audit.duplicated} ${mark(audit.duplicated)}` +
      (service && service.unexpectedExits > 0 ? `; serve exited on its own ${service.unexpectedExits}×` : ""),
  )
  for (const p of (run?.problems ?? []).slice(0, 10)) options.out(`  ✘ ${p}`)
  options.out(`  ${ok ? "PASS ✅" : "FAIL ❌"} in ${seconds(Date.now() - started)} s`)
  return {
    scenario: name,
    broke: run?.broke ?? [],
    recoveries,
    ...audit,
    problems,
    unexpectedExits: service?.unexpectedExits ?? 0,
    ok,
    elapsedMs: Date.now() - started,
  }
}

/** Runs the scenarios in sequence and prints the summary. */
export const runChaos = async (names: ReadonlyArray<ScenarioName>, options: ChaosOptions): Promise<ChaosReport> => {
  const reports: Array<ScenarioReport> = []
  for (const name of names) reports.push(await runScenario(name, options))
  const ok = reports.every((r) => r.ok)
  options.out("")
  options.out(formatSummary(reports, options.boundMs))
  return { scenarios: reports, ok }
}

export const formatSummary = (reports: ReadonlyArray<ScenarioReport>, boundMs: number): string => {
  const rows = reports.map((r) => {
    const worst = r.recoveries.reduce<number | null>((m, x) => (x.withinMs === null || m === null ? null : Math.max(m, x.withinMs)), 0)
    return [
      r.scenario,
      String(r.accepted),
      String(r.committed),
      String(r.dead),
      String(r.lost),
      String(r.duplicated),
      r.recoveries.length === 0 ? "-" : worst === null ? `> ${seconds(boundMs)} s` : `${seconds(worst)} s`,
      r.ok ? "✅" : "❌",
    ]
  })
  const total = reports.reduce((t, r) => ({ a: t.a + r.accepted, c: t.c + r.committed, d: t.d + r.dead, l: t.l + r.lost, u: t.u + r.duplicated }), { a: 0, c: 0, d: 0, l: 0, u: 0 })
  const header = ["scenario", "accepted", "committed", "dead", "lost", "duplicated", "recovery", ""]
  const all = [header, ...rows, ["total", String(total.a), String(total.c), String(total.d), String(total.l), String(total.u), `bound ${seconds(boundMs)} s`, reports.every((r) => r.ok) ? "✅" : "❌"]]
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)))
  return [
    "Chaos day summary",
    ...all.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd()),
  ].join("\n")
}
