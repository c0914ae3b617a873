/**
 * The factory's HTTP API as one definition: every route with the Schemas of its path, query,
 * body, answer and problems. The server (`ApiHandlers.ts`, `Server.ts`), the typed client
 * (`FactoryClient.ts`) and the OpenAPI document (`/api/v1/openapi.json`) are all derived from it,
 * so a route changed here changes everywhere or fails to compile.
 *
 * Adding an endpoint: declare it in its group below (method, path, Schemas, problems), then
 * implement it in the group's `handleAll` in `ApiHandlers.ts`; the client and OpenAPI follow.
 */
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Bible, ProvisionalFacts } from "../domain/Bible.ts"
import { Episode, GuardFinding } from "../domain/Episode.ts"
import { Job } from "../domain/Job.ts"
import { Outline } from "../domain/Outline.ts"
import { EpisodeNumber, Project, ProjectTitle, Slug } from "../domain/Project.ts"
import { BreakerState, FactoryEvent } from "../events/FactoryEvent.ts"
import { packageVersion } from "../factory/FactoryStatus.ts"
import {
  BadRequestProblem,
  ChangeProblems,
  ConflictProblem,
  NotFoundProblem,
  TransportProblems,
} from "./ApiProblems.ts"

/** Cap on episodes per enqueue request, so one request cannot flood the queue. */
export const MAX_EPISODES_PER_REQUEST = 1_000

// ---------------------------------------------------------------------------------------
// Requests

export const CreateProjectBody = Schema.Struct({
  slug: Slug,
  genre: Schema.String,
  title: Schema.optional(ProjectTitle),
  /** `load-test`: a project of `novel-factory load`, which alone may (and must) be named `nf-load-…`. */
  purpose: Schema.optional(Schema.Literal("load-test")),
})

export const EnqueueBody = Schema.Struct({ from: EpisodeNumber, to: EpisodeNumber })

export const IntakeBody = Schema.Struct({ paused: Schema.Boolean })

const Reason = Schema.String.check(Schema.isNonEmpty({ message: "Expected a reason (a non-empty string)" }))
export const SkipBody = Schema.Struct({ reason: Reason })
export const HoldBody = Schema.Struct({ reason: Schema.optional(Reason) })
export const CancelBody = Schema.Struct({ from: Schema.optional(EpisodeNumber) })
export const CancelResult = Schema.Struct({ project: Schema.String, episodes: Schema.Array(Schema.Int) })
export const HoldResult = Schema.Struct({ project: Schema.String, changed: Schema.Boolean })
/** What `DELETE /projects/:slug?force=true` removed (ledger rows are kept). */
export const DeleteResult = Schema.Struct({ project: Schema.String, episodes: Schema.Int, jobs: Schema.Int, outline: Schema.Boolean })
const EpisodeParams = { slug: Schema.String, n: EpisodeNumber }

/** A beat as the operator writes it (`text` required when adding; any field when editing). */
export const BeatBody = Schema.Struct({
  text: Schema.optional(Schema.String),
  title: Schema.optional(Schema.String),
  characters: Schema.optional(Schema.Array(Schema.String)),
  threads: Schema.optional(Schema.Array(Schema.String)),
})
export const ApproveBody = Schema.Struct({ from: EpisodeNumber, to: Schema.optional(EpisodeNumber) })

const SlugParam = { slug: Schema.String }

const wholeNumberFrom = (min: number, max: number) =>
  Schema.Int.check(Schema.isBetween({ minimum: min, maximum: max }))

// ---------------------------------------------------------------------------------------
// Answers

export const ProjectSummary = Schema.Struct({
  ...Project.fields,
  episodes: Schema.Int,
  lastEpisode: Schema.Int,
  characters: Schema.Int,
  /** Why the project hands out nothing (a dead episode, the operator), or null. */
  held: Schema.NullOr(Schema.String),
  /** Beats the outline holds past the last committed episode (null: no outline yet). */
  beatsLeft: Schema.NullOr(Schema.Int),
  /** Of those, the ones waiting for the operator's approval (`planning.review: approve`). */
  beatsAwaitingApproval: Schema.NullOr(Schema.Int),
})
export type ProjectSummary = typeof ProjectSummary.Type

export const ProjectDetail = Schema.Struct({
  ...Project.fields,
  bible: Bible,
  provisional: Schema.Array(ProvisionalFacts),
})

export const EnqueueResult = Schema.Struct({
  jobs: Schema.Array(Schema.String),
  created: Schema.Int,
  existing: Schema.Int,
})

export const EpisodeSummary = Schema.Struct({
  number: Schema.Int,
  title: Schema.String,
  charCount: Schema.Int,
  reward: Schema.Number,
  drafts: Schema.Int,
  committedAt: Schema.Number,
})

export const QueueStats = Schema.Struct({
  queued: Schema.Int,
  inFlight: Schema.Int,
  committed: Schema.Int,
  dead: Schema.Int,
  /** Jobs an operator skipped: explicit, visible gaps. */
  skipped: Schema.Int,
  /** Projects held (by a dead episode, or by an operator). */
  held: Schema.Int,
})
export type QueueStats = typeof QueueStats.Type

export const DependencyHealth = Schema.Struct({ name: Schema.String, state: BreakerState })

export const FactoryStatusAnswer = Schema.Struct({
  version: Schema.String,
  mode: Schema.String,
  uptimeMs: Schema.Number,
  paused: Schema.Boolean,
  queue: QueueStats,
  dependencies: Schema.Array(DependencyHealth),
  /** The supervision tree as the kernel reports it (null in a process without one). */
  supervision: Schema.Unknown,
  /** Where the writer runs; `paid` tells a client such as `load` that writing costs money (null: no factory config). */
  writer: Schema.NullOr(Schema.Struct({
    route: Schema.Literals(["offline", "openai"]),
    model: Schema.NullOr(Schema.String),
    baseUrl: Schema.NullOr(Schema.String),
    paid: Schema.Boolean,
  })),
})
export type FactoryStatusAnswer = typeof FactoryStatusAnswer.Type

export const IntakeState = Schema.Struct({ paused: Schema.Boolean })

export const FinanceDay = Schema.Struct({
  date: Schema.String,
  cost: Schema.Number,
  sales: Schema.Number,
  profit: Schema.Number,
  calls: Schema.Int,
})

export const FinanceSummary = Schema.Struct({
  currency: Schema.String,
  days: Schema.Array(FinanceDay),
  today: Schema.Struct({
    spend: Schema.Number,
    cap: Schema.NullOr(Schema.Number),
    paused: Schema.Boolean,
    /** Why writers wait (the cap, or a model without a price), and when the pause lifts (null: not by itself). */
    reason: Schema.NullOr(Schema.String),
    resumesAt: Schema.NullOr(Schema.Number),
    unpricedModels: Schema.Array(Schema.String),
  }),
  /** The provider's prompt cache per project over the same days: cached ÷ prompt tokens. */
  promptCache: Schema.Array(Schema.Struct({
    project: Schema.String,
    promptTokens: Schema.Number,
    cachedTokens: Schema.Number,
    share: Schema.Number,
  })),
  /** Currencies of sales left out for want of a configured rate. */
  missingRates: Schema.Array(Schema.String),
})
export type FinanceSummary = typeof FinanceSummary.Type

export const Readiness = Schema.Struct({ ready: Schema.Literal(true) })

/** One factory event on the SSE stream: `event:` is its `_tag`, `data:` its JSON. */
export const FactoryEventMessage = Schema.Struct({
  id: Schema.optional(Schema.String),
  event: Schema.String,
  data: Schema.fromJsonString(FactoryEvent),
})

/** A job the operator must act on: dead (its cause), or the head of a project the operator holds. */
export const DeadLetter = Schema.Struct({
  project: Schema.String,
  episode: Schema.Int,
  job: Schema.String,
  state: Schema.Literals(["dead", "held"]),
  /** The dead-letter reason, or why the project is held. */
  cause: Schema.String,
  /** When the job last changed (died, or was handed back). */
  at: Schema.Number,
  deliveries: Schema.Int,
  /** The guard's findings on its last draft, when the guard rejected it. */
  findings: Schema.Array(GuardFinding),
})
export type DeadLetter = typeof DeadLetter.Type

/** What one episode worker of the serving process holds now. */
export const WorkerActivity = Schema.Struct({
  worker: Schema.String,
  job: Schema.NullOr(Schema.String),
  project: Schema.NullOr(Schema.String),
  episode: Schema.NullOr(Schema.Int),
  /** `idle`, `claimed`, or the stage its job is in (`writer`, `guard`, `editor` …). */
  stage: Schema.String,
  since: Schema.Number,
  stageSince: Schema.Number,
})
export type WorkerActivity = typeof WorkerActivity.Type

/** Per project: the queue's counts, its hold, and what it cost today. */
export const ProjectPulse = Schema.Struct({
  project: Schema.String,
  committed: Schema.Int,
  queued: Schema.Int,
  inFlight: Schema.Int,
  dead: Schema.Int,
  skipped: Schema.Int,
  held: Schema.NullOr(Schema.String),
  /** USD spent on the project's LLM calls since 00:00 UTC (null: this process keeps no ledger). */
  costTodayUsd: Schema.NullOr(Schema.Number),
})
export type ProjectPulse = typeof ProjectPulse.Type

/** The server's one aggregation of throughput, latency and per-project figures: every dashboard shows these. */
export const FactorySummary = Schema.Struct({
  at: Schema.Number,
  /** When the server's pulse saw its first event (null: none yet). */
  since: Schema.NullOr(Schema.Number),
  /** Episodes committed and dead per minute (`minute` = epoch ms / 60 000), oldest first, the last 60 minutes. */
  throughput: Schema.Array(Schema.Struct({ minute: Schema.Int, committed: Schema.Int, failed: Schema.Int })),
  /** Per-minute means over the last 5 minutes. */
  rate: Schema.Struct({ committed: Schema.Number, failed: Schema.Number }),
  /** Each stage's p50/p95 over its last 500 successful runs (ms; null: none yet), and its failed attempts. */
  latency: Schema.Array(Schema.Struct({
    stage: Schema.String,
    count: Schema.Int,
    failures: Schema.Int,
    p50: Schema.NullOr(Schema.Number),
    p95: Schema.NullOr(Schema.Number),
  })),
  totals: Schema.Struct({ committed: Schema.Int, failed: Schema.Int, rejected: Schema.Int }),
  projects: Schema.Array(ProjectPulse),
})
export type FactorySummary = typeof FactorySummary.Type

const PlainText = Schema.String.pipe(HttpApiSchema.asText())
const PrometheusText = Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/plain; version=0.0.4; charset=utf-8" }))

// ---------------------------------------------------------------------------------------
// Endpoints, by group. Every endpoint also lists `TransportProblems` (policy refusals, 413,
// 500, 503), which any route may answer.

export class ProjectsGroup extends HttpApiGroup.make("projects")
  .add(
    HttpApiEndpoint.post("create", "/projects", {
      payload: CreateProjectBody,
      success: Project.pipe(HttpApiSchema.status(201)),
      error: [BadRequestProblem, ConflictProblem, ...TransportProblems],
    }),
    HttpApiEndpoint.get("list", "/projects", {
      success: Schema.Array(ProjectSummary),
      error: [...TransportProblems],
    }),
    HttpApiEndpoint.get("get", "/projects/:slug", {
      params: SlugParam,
      success: ProjectDetail,
      error: [NotFoundProblem, ...TransportProblems],
    }),
    HttpApiEndpoint.post("enqueue", "/projects/:slug/episodes", {
      params: SlugParam,
      payload: EnqueueBody,
      success: EnqueueResult.pipe(HttpApiSchema.status(202)),
      error: ChangeProblems,
    }),
    HttpApiEndpoint.get("episodes", "/projects/:slug/episodes", {
      params: SlugParam,
      success: Schema.Array(EpisodeSummary),
      error: [NotFoundProblem, ...TransportProblems],
    }),
    HttpApiEndpoint.get("episode", "/projects/:slug/episodes/:n", {
      params: EpisodeParams,
      success: Episode,
      error: [BadRequestProblem, NotFoundProblem, ...TransportProblems],
    }),
    // The operator's actions (see `src/factory/Operator.ts`).
    HttpApiEndpoint.post("retry", "/projects/:slug/episodes/:n/retry", {
      params: EpisodeParams,
      success: Job,
      error: ChangeProblems,
    }),
    HttpApiEndpoint.post("skip", "/projects/:slug/episodes/:n/skip", {
      params: EpisodeParams,
      payload: SkipBody,
      success: Job,
      error: ChangeProblems,
    }),
    HttpApiEndpoint.post("cancel", "/projects/:slug/cancel", {
      params: SlugParam,
      payload: CancelBody,
      success: CancelResult,
      error: ChangeProblems,
    }),
    HttpApiEndpoint.post("hold", "/projects/:slug/hold", {
      params: SlugParam,
      payload: HoldBody,
      success: HoldResult,
      error: ChangeProblems,
    }),
    // The outline: arcs and beats, planned / approved / written (see `src/planner/`).
    HttpApiEndpoint.get("outline", "/projects/:slug/outline", {
      params: SlugParam,
      success: Outline,
      error: [NotFoundProblem, ...TransportProblems],
    }),
    HttpApiEndpoint.post("addBeat", "/projects/:slug/outline/beats/:n", {
      params: EpisodeParams,
      payload: BeatBody,
      success: Outline.pipe(HttpApiSchema.status(201)),
      error: ChangeProblems,
    }),
    HttpApiEndpoint.patch("editBeat", "/projects/:slug/outline/beats/:n", {
      params: EpisodeParams,
      payload: BeatBody,
      success: Outline,
      error: ChangeProblems,
    }),
    HttpApiEndpoint.delete("removeBeat", "/projects/:slug/outline/beats/:n", {
      params: EpisodeParams,
      success: Outline,
      error: ChangeProblems,
    }),
    HttpApiEndpoint.post("approve", "/projects/:slug/outline/approve", {
      params: SlugParam,
      payload: ApproveBody,
      success: Outline,
      error: ChangeProblems,
    }),
    HttpApiEndpoint.delete("delete", "/projects/:slug", {
      params: SlugParam,
      // without `force=true` the answer is 409 with what the delete would remove
      query: { force: Schema.optional(Schema.Literals(["true", "false"])) },
      success: DeleteResult,
      error: ChangeProblems,
    }),
    HttpApiEndpoint.post("resume", "/projects/:slug/resume", {
      params: SlugParam,
      success: HoldResult,
      error: [NotFoundProblem, ConflictProblem, ...TransportProblems],
    }),
  )
  .prefix("/api/v1")
  .annotateMerge(OpenApi.annotations({ title: "Projects", description: "Projects, their Bible and their episodes" }))
{}

export class JobsGroup extends HttpApiGroup.make("jobs")
  .add(
    HttpApiEndpoint.get("get", "/jobs/:id", {
      params: { id: Schema.String },
      success: Job,
      error: [NotFoundProblem, ...TransportProblems],
    }),
    HttpApiEndpoint.get("results", "/results", {
      query: { count: Schema.optional(wholeNumberFrom(1, 1_000)) },
      success: Schema.Array(Job),
      error: [BadRequestProblem, ...TransportProblems],
    }),
  )
  .prefix("/api/v1")
  .annotateMerge(OpenApi.annotations({ title: "Jobs", description: "Episode jobs and their outcomes" }))
{}

export class FactoryGroup extends HttpApiGroup.make("factory")
  .add(
    HttpApiEndpoint.get("status", "/status", {
      success: FactoryStatusAnswer,
      error: [...TransportProblems],
    }),
    HttpApiEndpoint.post("setIntake", "/intake", {
      payload: IntakeBody,
      success: IntakeState,
      error: [BadRequestProblem, ...TransportProblems],
    }),
    HttpApiEndpoint.get("events", "/events", {
      success: HttpApiSchema.StreamSse({ events: FactoryEventMessage }),
      error: [...TransportProblems],
    }),
    HttpApiEndpoint.get("recentEvents", "/events/recent", {
      // Lenient on purpose, as before: a missing or unreadable limit means 200, clamped to 1…10 000.
      query: { limit: Schema.optional(Schema.String) },
      success: Schema.Array(FactoryEvent),
      error: [...TransportProblems],
    }),
    HttpApiEndpoint.get("financeSummary", "/finance/summary", {
      query: { days: Schema.optional(wholeNumberFrom(1, 366)) },
      success: FinanceSummary,
      error: [BadRequestProblem, NotFoundProblem, ...TransportProblems],
    }),
  )
  .prefix("/api/v1")
  .annotateMerge(OpenApi.annotations({ title: "Factory", description: "Status, intake, events and finance" }))
{}

/** What the dashboard, as an operator's console, reads besides the status: dead letters, workers, the one pulse. */
export class ConsoleGroup extends HttpApiGroup.make("console")
  .add(
    HttpApiEndpoint.get("deadLetters", "/dead-letters", {
      query: { project: Schema.optional(Schema.String) },
      success: Schema.Array(DeadLetter),
      error: [NotFoundProblem, ...TransportProblems],
    }),
    HttpApiEndpoint.get("workers", "/workers", {
      success: Schema.Array(WorkerActivity),
      error: [...TransportProblems],
    }),
    HttpApiEndpoint.get("summary", "/summary", {
      success: FactorySummary,
      error: [...TransportProblems],
    }),
  )
  .prefix("/api/v1")
  .annotateMerge(OpenApi.annotations({ title: "Console", description: "Dead letters, workers and the server's throughput, latency and cost figures" }))
{}

export class OperationsGroup extends HttpApiGroup.make("operations", { topLevel: true })
  .add(
    HttpApiEndpoint.get("healthz", "/healthz", { success: PlainText, error: [...TransportProblems] }),
    HttpApiEndpoint.get("readyz", "/readyz", { success: Readiness, error: [...TransportProblems] }),
    HttpApiEndpoint.get("metrics", "/metrics", { success: PrometheusText, error: [...TransportProblems] }),
  )
  .annotateMerge(OpenApi.annotations({ title: "Operations", description: "Liveness, readiness, Prometheus metrics" }))
{}

export class FactoryApi extends HttpApi.make("novel-factory")
  .add(ProjectsGroup)
  .add(JobsGroup)
  .add(FactoryGroup)
  .add(ConsoleGroup)
  .add(OperationsGroup)
  .annotateMerge(OpenApi.annotations({ title: "novel-factory", version: packageVersion, description: "The HTTP API of `novel-factory serve`" }))
{}

export const OPENAPI_PATH = "/api/v1/openapi.json"
