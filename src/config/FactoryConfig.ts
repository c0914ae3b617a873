import { Context, Schema } from "effect"
import { BackupConfigSchema } from "../backup/BackupConfig.ts"
import { CanaryConfigSchema } from "../ops/canary/CanaryConfig.ts"
import { AlertsConfigSchema, JournalConfigSchema } from "../ops/alerts/AlertsConfig.ts"
import { FinanceConfig } from "../finance/FinanceConfig.ts"
import { LlmConfig } from "../llm/LlmConfig.ts"
import { PlanningConfig } from "../planner/PlanningConfig.ts"
import { AllowedHost } from "../http/RequestPolicy.ts"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Port = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))
/** Workers and threads: each holds a connection, a heap or a lease; past this a typo is likelier than a plan. */
const MAX_WORKERS = 256
const Workers = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_WORKERS }))
const Threads = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_WORKERS }))

export const QueueConfig = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("sqlite") }),
  /** Processes sharing a Redis share a queue when they share `keyPrefix` (default `novel-factory`). */
  Schema.Struct({ kind: Schema.Literal("redis"), url: Schema.String, keyPrefix: Schema.optionalKey(Schema.String) }),
])
export type QueueConfig = typeof QueueConfig.Type

export const StoryConfig = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("sqlite") }),
  /** The password comes from NEO4J_PASSWORD, never from the file. */
  Schema.Struct({ kind: Schema.Literal("neo4j"), url: Schema.String, user: Schema.String }),
])
export type StoryConfig = typeof StoryConfig.Type

/** `pipeline.shutdownGraceMs` when the config does not say. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 20_000

/** How each job moves through the pipeline. */
export const PipelineConfig = Schema.Struct({
  /** Worker fibers; different projects run in parallel up to this many (1–256). */
  concurrency: Workers,
  /** Drafts per episode before a guard rejection dead-letters the job. */
  maxDrafts: PositiveInt,
  /** Deliveries (claims) before a crashing job is dead-lettered. */
  maxDeliveries: PositiveInt,
  /** Visibility timeout of a claimed job; renewed by heartbeat every third of it. */
  leaseMs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(100)),
  /** Minimum guard reward to accept a draft. */
  acceptReward: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })),
  /** Idle poll interval when the queue is empty. */
  pollMs: PositiveInt,
  /** Retry delay of a job whose stage failed transiently (an outage). */
  retryDelayMs: NonNegativeInt,
  /** A writer call that takes longer is abandoned as a transient fault (a hung LLM must not hold a job for ever). */
  stageTimeoutMs: PositiveInt,
  /**
   * Worker threads for the CPU-bound stages (offline writer, guard, editor, summary): `auto` (the
   * default) is one per core up to `concurrency`, none on one core; 0 runs them on the main thread.
   */
  stageThreads: Schema.optionalKey(Schema.Union([Threads, Schema.Literal("auto")])),
  /**
   * Synthetic episodes each stage thread runs before the factory starts (default 0): V8 optimises
   * code as it runs hot, so a fresh thread's first few hundred episodes are slower. Costs start-up time.
   */
  stageWarmUp: Schema.optionalKey(NonNegativeInt),
  /**
   * On SIGTERM / SIGINT the factory stops claiming and lets the jobs in flight finish for up to
   * this long (0–600 000 ms, default 20 000), then interrupts the rest, which go back to the queue
   * without a delivery counted against them.
   */
  shutdownGraceMs: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 600_000 }))),
})
export type PipelineConfig = typeof PipelineConfig.Type

export const SupervisionConfig = Schema.Struct({
  /** First back-off delay between restarts; doubles up to `backoffMaxMs`, jittered. */
  backoffBaseMs: PositiveInt,
  backoffMaxMs: PositiveInt,
  /** Intensity: at most `maxRestarts` within `withinSeconds`, else escalate. */
  maxRestarts: PositiveInt,
  withinSeconds: PositiveInt,
  /** A child up this long restarts from the base delay again. */
  resetAfterMs: PositiveInt,
})
export type SupervisionConfig = typeof SupervisionConfig.Type

export const ApiConfig = Schema.Struct({
  host: Schema.String,
  port: Port,
  /** Host names answered besides the bound address and loopback (a reverse proxy's name); `name` or `name:port`. */
  allowedHosts: Schema.optionalKey(Schema.Array(AllowedHost)),
  /** Open connections beyond this are dropped (default 256). */
  maxConnections: Schema.optionalKey(PositiveInt),
  /** Lets a scraper read `/metrics` without FACTORY_API_TOKEN (default false). */
  metricsWithoutToken: Schema.optionalKey(Schema.Boolean),
})
export type ApiConfig = typeof ApiConfig.Type

export const FactoryConfigSchema = Schema.Struct({
  /** Data directory: the SQLite database, backups, exports. */
  home: Schema.String,
  queue: QueueConfig,
  story: StoryConfig,
  llm: LlmConfig,
  pipeline: PipelineConfig,
  supervision: SupervisionConfig,
  api: ApiConfig,
  /** Prices, the daily budget cap and exchange rates. */
  finance: FinanceConfig,
  /** Where and when backups are taken, and how many are kept (every key has a default). */
  backup: Schema.optionalKey(BackupConfigSchema),
  /** Alert thresholds and the webhook (every key has a default). */
  alerts: Schema.optionalKey(AlertsConfigSchema),
  /** Event journal retention: { retentionDays } (default 30). */
  journal: Schema.optionalKey(JournalConfigSchema),
  /** The synthetic canary job: { enabled (default on in serve, off in run), intervalMs, deadlineMs, failuresToAlert, genre }. */
  canary: Schema.optionalKey(CanaryConfigSchema),
  /** The rolling planner: how far ahead, how long an arc, whether new arcs wait for approval. */
  planning: Schema.optionalKey(PlanningConfig),
  /** Genre of the demo project `run` creates when there is none. */
  demoGenre: Schema.String,
})
export type FactoryConfigData = typeof FactoryConfigSchema.Type

export class FactoryConfig extends Context.Service<FactoryConfig, FactoryConfigData>()("novel-factory/FactoryConfig") {}

export const defaultConfig = (home: string): FactoryConfigData => ({
  home,
  queue: { kind: "sqlite" },
  story: { kind: "sqlite" },
  llm: { kind: "offline" },
  pipeline: {
    concurrency: 4,
    maxDrafts: 3,
    maxDeliveries: 5,
    leaseMs: 15_000,
    acceptReward: 0.6,
    pollMs: 200,
    retryDelayMs: 2_000,
    stageTimeoutMs: 300_000,
    shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
  },
  supervision: {
    backoffBaseMs: 5_000,
    backoffMaxMs: 60_000,
    maxRestarts: 10,
    withinSeconds: 60,
    resetAfterMs: 60_000,
  },
  api: { host: "127.0.0.1", port: 8080 },
  finance: { dailyBudgetUsd: null, prices: {}, rates: {} },
  demoGenre: "fantasy_kr",
})
