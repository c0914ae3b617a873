import { Clock, Context, Effect, Queue } from "effect"
import { EventBus } from "../events/EventBus.ts"
import type { FactoryEvent } from "../events/FactoryEvent.ts"
import { type PendingCommit, StoryStore } from "../story/StoryStore.ts"

type JobCommitted = Extract<FactoryEvent, { readonly _tag: "JobCommitted" }>

/** What the outbox keeps of a commit, as the event the bus carries. */
export const committedEvent = (pending: PendingCommit): JobCommitted => ({
  _tag: "JobCommitted",
  at: pending.at,
  job: pending.job,
  project: pending.project,
  episode: pending.episode,
  durationMs: pending.durationMs,
  reward: pending.reward,
})

/** A commit as the outbox keys it. */
export interface CommitKey {
  readonly project: string
  readonly episode: number
}

const keyOf = (commit: CommitKey) => `${commit.project}\u0000${commit.episode}`

export interface CommitRelayShape {
  /**
   * Asks the relay to publish this commit's event now. A worker calls it once its commit is in (and
   * the queue acknowledged it, or failed to): the event then follows the commit at once instead of
   * at the next poll.
   */
  readonly nudge: (commit: CommitKey) => Effect.Effect<void>
  /** Resolves at the next nudge (several nudges before it count once). */
  readonly nudged: Effect.Effect<void>
  /** The commits nudged since the last call (the relay's to-do list). */
  readonly takeNudged: Effect.Effect<ReadonlyArray<string>>
}

/** The in-process signal between the workers and the relay (`relayCommits`). */
export class CommitRelay extends Context.Service<CommitRelay, CommitRelayShape>()("novel-factory/CommitRelay") {
  static readonly make: Effect.Effect<CommitRelayShape> = Effect.map(Queue.dropping<void>(1), (signal) => {
    let nudged = new Set<string>()
    return CommitRelay.of({
      nudge: (commit) =>
        Effect.suspend(() => {
          nudged.add(keyOf(commit))
          return Effect.asVoid(Queue.offer(signal, undefined))
        }),
      nudged: Effect.asVoid(Queue.take(signal)),
      takeNudged: Effect.sync(() => {
        const taken = [...nudged]
        nudged = new Set()
        return taken
      }),
    })
  })
}

/** Durably records relayed events before the outbox lets go of them (the event journal, idempotent per commit). */
export type CommitRecorder = (events: ReadonlyArray<JobCommitted>) => Effect.Effect<void, unknown>

export interface RelayOptions<R> {
  /**
   * The fallback when no nudge comes: every `pollMs`, the commits at least this old are relayed
   * whoever made them (one of another process on the same store, or one from before a crash).
   * A younger one is its own process's to relay: two processes would otherwise publish it both.
   */
  readonly pollMs?: number
  /** Commits per pass at most. */
  readonly batch?: number
  /** Acquired once per relay start; see `CommitRecorder`. */
  readonly recorder?: Effect.Effect<CommitRecorder, unknown, R>
}

export const DEFAULT_RELAY_POLL_MS = 5_000

/**
 * The commit outbox's relay (a permanent child of the factory): publishes the `JobCommitted` of every
 * commit the store's outbox holds, then acknowledges it. At-least-once: a crash between the publish
 * and the acknowledgement publishes again after the restart, as does a process that relays another's
 * commit it found unrelayed past `pollMs` while that one was stopped; the journal absorbs both (one row
 * per commit, see `EventJournal`). A recorder, when given, has the journal hold the events before they
 * are acknowledged, so not even a crash right after the publish loses one from the journal.
 * Passes run at start, at each nudge, and every `pollMs`.
 */
export const relayCommits = <R>(options: RelayOptions<R> = {}): Effect.Effect<never, unknown, StoryStore | EventBus | CommitRelay | R> =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    const bus = yield* EventBus
    const relay = yield* CommitRelay
    const record = options.recorder === undefined ? undefined : yield* options.recorder
    const batch = Math.max(1, options.batch ?? 500)
    const pollMs = options.pollMs ?? DEFAULT_RELAY_POLL_MS
    const wanted = new Set<string>()
    const pass: Effect.Effect<void, unknown> = Effect.gen(function* () {
      for (const key of yield* relay.takeNudged) wanted.add(key)
      const now = yield* Clock.currentTimeMillis
      const pending = yield* store.pendingCommits(batch)
      const due = pending.filter((c) => wanted.has(keyOf(c)) || c.at <= now - pollMs)
      if (due.length > 0) {
        const events = due.map(committedEvent)
        if (record !== undefined) yield* record(events)
        for (const event of events) yield* bus.publish(event)
        yield* store.acknowledgeCommits(due)
      }
      // A nudged commit not pending (any more) was relayed by someone: forget it once the whole outbox was seen.
      if (pending.length < batch) wanted.clear()
      else for (const c of due) wanted.delete(keyOf(c))
    })
    // An outage is the breakers' to report; the relay says only when it stops and starts working.
    let failing = false
    const guardedPass = pass.pipe(
      Effect.tap(() => {
        if (!failing) return Effect.void
        failing = false
        return Effect.logInfo("commit relay: relaying again")
      }),
      Effect.catchCause((cause) => {
        if (failing) return Effect.void
        failing = true
        return Effect.logWarning("commit relay: cannot relay commits now; retrying at the next commit or poll", cause)
      }),
    )
    const wait = Effect.raceFirst(relay.nudged, Effect.sleep(pollMs))
    return yield* Effect.forever(Effect.andThen(guardedPass, wait))
  })
