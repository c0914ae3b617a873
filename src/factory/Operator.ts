/**
 * What an operator can do about a project's episodes — retry a dead one, skip it (a visible gap),
 * cancel queued ones, hold and resume the project — from the CLI, the API and the dashboard alike.
 * Each action goes to the queue, and each one that changed something is recorded as an
 * `OperatorActed` event (journalled, shown on the dashboard).
 */
import { Clock, Context, Effect, Layer, Option } from "effect"
import type { Job } from "../domain/Job.ts"
import { EventBus } from "../events/EventBus.ts"
import type { OperatorAction } from "../events/FactoryEvent.ts"
import { CallJournal } from "../llm/CallJournal.ts"
import {
  type Cancelled,
  type HoldChange,
  type JobNotFound,
  JobQueue,
  type JobStateConflict,
  type ProjectNotFound,
  type QueueUnavailable,
} from "../queue/JobQueue.ts"

export interface OperatorShape {
  /**
   * A dead (or held) episode back to the queue, deliveries and findings reset; the LLM answers its
   * deliveries journalled are forgotten, so the retry asks the model afresh.
   */
  readonly retry: (project: string, episode: number) => Effect.Effect<Job, JobNotFound | JobStateConflict | QueueUnavailable>
  /** A dead or queued head becomes `skipped` with the reason: an explicit gap; later episodes go on. */
  readonly skip: (project: string, episode: number, reason: string) => Effect.Effect<Job, JobNotFound | JobStateConflict | QueueUnavailable>
  /** Queued jobs never claimed, from `fromEpisode` on (default: all), removed. */
  readonly cancel: (project: string, fromEpisode?: number) => Effect.Effect<Cancelled, QueueUnavailable>
  readonly hold: (project: string, reason: string) => Effect.Effect<HoldChange, ProjectNotFound | QueueUnavailable>
  readonly resume: (project: string) => Effect.Effect<HoldChange, ProjectNotFound | QueueUnavailable>
}

/** An operator's action as an `OperatorActed` event on the bus (journalled, shown on the dashboard). */
export const recordOperatorAction = (bus: EventBus["Service"], action: OperatorAction, project: string, detail: string, episode?: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (at) =>
    bus.publish({ _tag: "OperatorActed", at, action, project, ...(episode === undefined ? {} : { episode }), detail }))

/** The operator's actions on the factory's queue, recorded on its event bus. */
export const makeOperator: Effect.Effect<OperatorShape, never, JobQueue | EventBus> = Effect.gen(function* () {
  const queue = yield* JobQueue
  const bus = yield* EventBus
  const journal = yield* Effect.serviceOption(CallJournal)
  const record = (action: OperatorAction, project: string, detail: string, episode?: number) =>
    recordOperatorAction(bus, action, project, detail, episode)
  return {
    retry: (project, episode) =>
      Effect.gen(function* () {
        const job = yield* queue.retryJob(project, episode)
        if (Option.isSome(journal)) yield* journal.value.forget(project, episode).pipe(Effect.ignore)
        yield* record("retry", project, `episode ${episode} back to the queue`, episode)
        return job
      }),
    skip: (project, episode, reason) => Effect.tap(queue.skipJob(project, episode, reason), () => record("skip", project, reason, episode)),
    cancel: (project, fromEpisode) =>
      Effect.tap(queue.cancel(project, fromEpisode), (c) =>
        c.episodes.length === 0 ? Effect.void : record("cancel", project, `cancelled episodes ${c.episodes.join(", ")}`)),
    hold: (project, reason) => Effect.tap(queue.hold(project, reason), (c) => (c.changed ? record("hold", project, reason) : Effect.void)),
    resume: (project) => Effect.tap(queue.resume(project), (c) => (c.changed ? record("resume", project, "resumed") : Effect.void)),
  }
})

export class Operator extends Context.Service<Operator, OperatorShape>()("novel-factory/Operator") {
  static readonly layer: Layer.Layer<Operator, never, JobQueue | EventBus> = Layer.effect(Operator, makeOperator)
}
