import { Clock, Effect, Layer, Option, Schedule } from "effect"
import { jobIdOf } from "../domain/Job.ts"
import { JobQueue } from "../queue/JobQueue.ts"
import { CallJournal, type CallJournalError } from "./CallJournal.ts"

export const DEFAULT_JOURNAL_RETENTION_DAYS = 7
const DAY_MS = 86_400_000

/**
 * Drops the journal entries of committed episodes once they are older than the retention: a
 * committed episode is never delivered again, so its answers only serve an operator looking into
 * what a model said. Entries of jobs still queued, in flight or dead are kept — they are what a
 * redelivery (or the operator's retry) replays. Returns how many entries it dropped.
 */
export const pruneJournal = (retentionDays: number): Effect.Effect<number, CallJournalError, CallJournal | JobQueue> =>
  Effect.gen(function* () {
    const journal = yield* CallJournal
    const queue = yield* JobQueue
    const now = yield* Clock.currentTimeMillis
    let dropped = 0
    for (const { project, episode } of yield* journal.episodesBefore(now - retentionDays * DAY_MS)) {
      const job = yield* queue.get(jobIdOf(project, episode)).pipe(Effect.orElseSucceed(() => Option.none()))
      if (Option.isSome(job) && job.value.state === "committed") dropped += yield* journal.forget(project, episode)
    }
    return dropped
  })

/** Prunes on a schedule (every `everyMs`, default hourly, on Effect's Clock) for as long as the layer lives. */
export const journalPrunerLayer = (retentionDays: number, everyMs = 3_600_000): Layer.Layer<never, never, CallJournal | JobQueue> =>
  Layer.effectDiscard(
    pruneJournal(retentionDays).pipe(
      Effect.tap((n) => (n > 0 ? Effect.logInfo(`call journal: dropped ${n} entries of committed episodes older than ${retentionDays} days`) : Effect.void)),
      Effect.catch((error) => Effect.logWarning(`call journal: pruning failed, retried at the next run: ${error.message}`)),
      Effect.repeat(Schedule.spaced(everyMs)),
      Effect.forkScoped,
    ),
  )
