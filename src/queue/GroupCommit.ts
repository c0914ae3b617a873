import { Effect, Exit, Result } from "effect"
import { type Connection, type DatabaseShape, SqliteError } from "../sqlite/Database.ts"

/**
 * One write of a batch: a synchronous body run inside the batch's transaction.
 *
 * It must report its domain failures (`Result.fail`) *before* it writes anything: the
 * batch's other writes commit regardless, and nothing rolls a failed body back on its own.
 * It throws only when the database fails; then the whole batch is rolled back and every
 * body of it is run again in a transaction of its own (see `flush`).
 */
export type Write<A, E> = (conn: Connection) => Result.Result<A, E>

export interface GroupCommit<D> {
  /**
   * Runs the body in the next batch's transaction. Succeeds or fails only after that
   * transaction's COMMIT returned (or its own transaction's, when the batch failed), so an
   * acknowledged write is as durable as one committed alone.
   */
  readonly write: <A, E>(body: Write<A, E>) => Effect.Effect<A, E | D>
}

interface Entry {
  readonly body: Write<unknown, unknown>
  /** Cleared when the writer is resumed, or when it was interrupted before its batch ran. */
  resume: ((effect: Effect.Effect<unknown, unknown>) => void) | undefined
}

/**
 * Group commit for one connection. The factory's workers all hit the queue at once; with
 * one transaction per write, each pays its own `BEGIN IMMEDIATE … COMMIT` (file locks, the
 * WAL append, its share of checkpoints), which costs more than a small write's statements.
 * Here the writes submitted in the same tick of the event loop share one transaction: the
 * first schedules a flush as a microtask, the ones arriving before it runs join the batch.
 *
 * A microtask, not a timer: no write waits for time to pass (under `TestClock` nothing
 * would ever flush), and a lone writer pays only the hop to the end of the current tick.
 * The fibers resumed by a flush run on at once and their next writes form the next batch,
 * so N workers looping claim → complete settle into batches of about N.
 *
 * The bodies run in submission order, one after another, inside one synchronous
 * transaction, exactly as they would one transaction each: a later body sees the earlier
 * ones' writes (two claims in one batch take two different jobs).
 *
 * Flushing from a microtask has a catch: a fiber that writes in a loop (claim, nothing to
 * claim, claim …) would chain microtasks forever and starve the event loop (no timer, no
 * I/O), since Effect counts a fiber's operations towards its yield only within one
 * resumption. So after `CHAINED_FLUSHES` flushes without a turn of the event loop, the next
 * flush waits for one (`setImmediate`: a turn, not a delay, so it fires under TestClock too).
 * The flush is what waits, not the fibers: those resumed together still write together
 * (yielding each fiber to Effect's scheduler instead would resume them one macrotask apart,
 * and batches of one from then on).
 */
const CHAINED_FLUSHES = 32

export const makeGroupCommit = <D>(db: DatabaseShape, onDatabaseError: (error: SqliteError) => D): GroupCommit<D> => {
  let queued: Array<Entry> = []
  let scheduled = false
  /** Flushes since the event loop last had a turn. */
  let chained = 0
  const turned = () => {
    chained = 0
  }

  const toDomain = (exit: Exit.Exit<unknown, unknown>): Exit.Exit<unknown, unknown> =>
    Exit.isSuccess(exit) ? exit : Exit.mapError(exit, (e) => (e instanceof SqliteError ? onDatabaseError(e) : e))

  const settle = (entry: Entry, exit: Exit.Exit<unknown, unknown>) => {
    const resume = entry.resume
    entry.resume = undefined
    // The writer's fiber runs on from here, synchronously: its next write joins the next batch.
    if (resume !== undefined) resume(toDomain(exit))
  }

  /** `Database`'s effects complete synchronously (node:sqlite is synchronous); runCallback also copes if one did not. */
  const run = <A, E>(effect: Effect.Effect<A, E>, onExit: (exit: Exit.Exit<A, E>) => void) => {
    Effect.runCallback(effect, { onExit })
  }

  const alone = (entry: Entry) => run(db.transactionResult(entry.body), (exit) => settle(entry, exit))

  const flush = () => {
    scheduled = false
    const batch = queued
    queued = []
    // Writers interrupted while waiting have withdrawn: their bodies never run.
    const live = batch.every((e) => e.resume !== undefined) ? batch : batch.filter((e) => e.resume !== undefined)
    if (live.length === 0) return
    if (live.length === 1) return alone(live[0]!)
    run(
      db.transaction((c) => live.map((e) => e.body(c))),
      (exit) => {
        if (Exit.isSuccess(exit)) {
          for (let i = 0; i < live.length; i++) {
            const result = exit.value[i]!
            settle(live[i]!, Result.isSuccess(result) ? Exit.succeed(result.success) : Exit.fail(result.failure))
          }
          return
        }
        // A body or the COMMIT failed and the batch was rolled back: nothing of it is stored.
        // Each write then gets the outcome it would have had on its own, so one failing
        // write (or a transient failure) does not fail the others.
        for (const entry of live) alone(entry)
      },
    )
  }

  const write = <A, E>(body: Write<A, E>): Effect.Effect<A, E | D> =>
    Effect.callback<A, E | D>((resume) => {
      const entry: Entry = { body, resume: resume as (effect: Effect.Effect<unknown, unknown>) => void }
      queued.push(entry)
      if (!scheduled) {
        scheduled = true
        if (chained === 0) setImmediate(turned)
        if (chained++ < CHAINED_FLUSHES) queueMicrotask(flush)
        else setImmediate(flush)
      }
      return Effect.sync(() => {
        entry.resume = undefined
      })
    })

  return { write }
}
