/**
 * What each episode worker of this process is doing now: the job it holds, the stage that job is
 * in, and since when. The actors write to it (`actors/episodeWorker.ts`); the API reads it
 * (`GET /api/v1/workers`) without `src/` knowing the actors. A process without workers (a
 * one-shot command) has no board, and so no workers to list.
 */
import { Clock, Context, Effect, Layer } from "effect"

export interface WorkerActivity {
  readonly worker: string
  /** The job held (`project:episode`), or null while the worker waits for one. */
  readonly job: string | null
  readonly project: string | null
  readonly episode: number | null
  /** `claimed` until its first stage starts, then the stage (`writer`, `guard`, `editor` …); `idle` without a job. */
  readonly stage: string
  /** When the worker took the job (or became idle). */
  readonly since: number
  /** When the current stage began. */
  readonly stageSince: number
}

export interface HeldJob {
  readonly id: string
  readonly project: string
  readonly episode: number
}

export interface WorkerBoardShape {
  readonly claimed: (worker: string, job: HeldJob) => Effect.Effect<void>
  /** The job entered a stage; a job no worker holds is ignored. */
  readonly stage: (job: string, stage: string) => Effect.Effect<void>
  readonly idle: (worker: string) => Effect.Effect<void>
  /** The worker stopped (shutdown, crash, pool shrink): it leaves the board. */
  readonly gone: (worker: string) => Effect.Effect<void>
  /** Every worker, by name. */
  readonly snapshot: Effect.Effect<ReadonlyArray<WorkerActivity>>
}

const idleEntry = (worker: string, at: number): WorkerActivity => ({ worker, job: null, project: null, episode: null, stage: "idle", since: at, stageSince: at })

export const makeWorkerBoard: Effect.Effect<WorkerBoardShape> = Effect.sync(() => {
  const byWorker = new Map<string, WorkerActivity>()
  const withNow = (f: (at: number) => void) => Effect.flatMap(Clock.currentTimeMillis, (at) => Effect.sync(() => f(at)))
  return {
    claimed: (worker, job) =>
      withNow((at) => void byWorker.set(worker, { worker, job: job.id, project: job.project, episode: job.episode, stage: "claimed", since: at, stageSince: at })),
    stage: (job, stage) =>
      withNow((at) => {
        for (const entry of byWorker.values()) {
          if (entry.job === job && entry.stage !== stage) byWorker.set(entry.worker, { ...entry, stage, stageSince: at })
        }
      }),
    idle: (worker) => withNow((at) => void byWorker.set(worker, idleEntry(worker, at))),
    gone: (worker) => Effect.sync(() => void byWorker.delete(worker)),
    snapshot: Effect.sync(() => [...byWorker.values()].sort((a, b) => a.worker.localeCompare(b.worker, "en", { numeric: true }))),
  }
})

export class WorkerBoard extends Context.Service<WorkerBoard, WorkerBoardShape>()("novel-factory/WorkerBoard") {
  static readonly layer: Layer.Layer<WorkerBoard> = Layer.effect(WorkerBoard, makeWorkerBoard)
}
