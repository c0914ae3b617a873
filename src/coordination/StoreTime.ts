import type { Clock } from "effect"

/**
 * A store's own time: what every deadline kept in a shared store (a queued head's place in
 * line, a retry's delay, a job's lease, a singleton's lease) is stored and compared in, shared
 * by every process on that store and continuous across wall-clock steps. The job queues keep
 * one (`queue_clock`, `P:clock`), the singleton leases another.
 *
 * Why not the wall clock: a deadline stored as a wall-clock instant moves when the clock is
 * stepped. Stepped back an hour, every queued head waits an hour to become "available" again
 * and a dead holder's lease looks valid for an hour more; stepped forward, every live lease
 * runs out at once: every in-flight job is handed out a second time and a second singleton
 * starts beside the live one. Why not each process's monotonic clock alone: it has an
 * arbitrary origin per process, and the deadlines must mean the same thing to every process
 * on the store and to the next one started after a restart.
 *
 * So the store keeps a small record (`offset`, `seen`) and each process an anchor:
 * - A process's reading is its anchor plus the *monotonic* time elapsed since it (which no
 *   wall-clock step moves), and never less than `seen`, the highest reading any process
 *   recorded: store time never goes back, and a process that lags follows the others.
 * - A process with no anchor yet (its first operation) starts from its wall clock plus
 *   `offset`, the difference between store time and the wall clock at the last recorded
 *   reading, and again never below `seen`. A process started after a step back therefore
 *   continues where the store was (the SIGKILL-then-restart case: a dead holder's lease runs
 *   out within one lease length, not one lease plus the step); one started after the live
 *   processes re-recorded the offset sees the step already folded into it.
 * - `seen` and `offset` are written at most once a `GRANULE_MS` of store time (or when the
 *   offset moved by more than that): the record costs a write per second, not per operation.
 *
 * What it cannot tell apart: a process's first reading after a forward step that no running
 * process has recorded yet looks like time that passed while the store was idle (there is no
 * monotonic clock shared between processes); it is taken as elapsed, which is right after a
 * real pause. Running processes record a step at their next write (a lease holder at its next
 * renewal), so the window is one renewal period. Two processes whose wall clocks disagree for
 * good (faketime on one only) still agree on store time (the lagging one follows `seen`); only
 * the offset a newcomer starts from flips between their two frames.
 *
 * The Redis adapters run the same rule in Lua (`storeClock` in `coordination/storeTimeLua.ts`): keep them alike.
 */
export interface StoreTimeRecord {
  /** Store time minus wall time at the last recorded reading. */
  readonly offset: number
  /** The highest store time recorded. */
  readonly seen: number
}

/** A process's last reading: store time `at`, taken at monotonic time `mono` (ms). */
export interface StoreTimeAnchor {
  readonly at: number
  readonly mono: number
}

export interface StoreTimeReading {
  /** Store time now. */
  readonly now: number
  /** The process's new anchor. */
  readonly anchor: StoreTimeAnchor
  /** The record to store, when it is due; undefined when the stored one still holds. */
  readonly record: StoreTimeRecord | undefined
}

export const GRANULE_MS = 1_000

export const readStoreTime = (
  stored: StoreTimeRecord,
  anchor: StoreTimeAnchor | undefined,
  wall: number,
  mono: number,
): StoreTimeReading => {
  const expected = anchor === undefined ? wall + stored.offset : anchor.at + Math.max(0, mono - anchor.mono)
  const now = Math.max(expected, stored.seen)
  const offset = now - wall
  const due = now >= stored.seen + GRANULE_MS || Math.abs(offset - stored.offset) > GRANULE_MS
  return { now, anchor: { at: now, mono }, record: due ? { offset, seen: now } : undefined }
}

/** The monotonic reading of Effect's `Clock`, in whole milliseconds (`TestClock` moves it with `adjust`). */
export const monotonicMillis = (clock: Clock.Clock): number => Number(clock.monotonicTimeNanosUnsafe() / 1_000_000n)
