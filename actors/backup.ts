/**
 * The backup actor: behaviour only (the supervision tree runs it as a singleton).
 *
 * A cycle = take a snapshot → verify it (download, SHA-256, open read-only, compare counts)
 * → prune by retention → delete stale incomplete snapshots → sweep the leftovers of uploads
 * killed mid-way (temp files, open S3 multipart uploads). Pruning happens only after a
 * verified backup, so a run of broken backups never deletes the last good ones.
 *
 * Cycles run on a cron schedule (default `0 4 * * 0`: Sundays 04:00) measured with Effect's
 * Clock (TestClock drives it in tests), and on demand through `trigger`. Cycles never
 * overlap. On start, if the schedule's most recent occurrence has no backup (the factory was
 * down, or the actor crashed and was restarted), a catch-up cycle runs at once.
 *
 * A failed scheduled cycle fails `run`: the supervisor restarts the actor with its back-off,
 * and the catch-up then retries it.
 */
import { Clock, Cron, Data, Duration, Effect, Result, Semaphore } from "effect"
import type { InterruptedUpload } from "../src/blob/BlobStore.ts"
import type { RetentionPolicy } from "../src/backup/BackupConfig.ts"
import { DEFAULT_RETENTION, DEFAULT_SCHEDULE } from "../src/backup/BackupConfig.ts"
import type { BackupError, BackupNotFound, PruneResult, VerifyReport } from "../src/backup/Backups.ts"
import { Backups } from "../src/backup/Backups.ts"
import type { BackupManifest } from "../src/backup/Manifest.ts"

export class BackupVerifyFailed extends Data.TaggedError("BackupVerifyFailed")<{ readonly report: VerifyReport }> {
  override get message() {
    return `backup ${this.report.id} failed verification: ${this.report.problems.join("; ")}`
  }
}

export class BackupScheduleInvalid extends Data.TaggedError("BackupScheduleInvalid")<{ readonly schedule: string; readonly reason: string }> {
  override get message() {
    return `backup schedule '${this.schedule}': ${this.reason}`
  }
}

export type BackupCycleError = BackupError | BackupNotFound | BackupVerifyFailed

export interface BackupActorOptions {
  /** Cron, 5 or 6 fields. Default `0 4 * * 0`. */
  readonly schedule?: string
  /** Of the schedule and of retention's days and weeks. Default UTC. */
  readonly timeZone?: string
  /** Verify each backup right after taking it (default true). */
  readonly verify?: boolean
  readonly retention?: RetentionPolicy
  /**
   * Incomplete snapshots, and the leftovers of interrupted uploads, older than this are
   * deleted after each cycle. Default 1 h: it must exceed the longest upload.
   */
  readonly incompleteGraceMs?: number
  /** Run a cycle at start when the last scheduled occurrence was missed. Default true. */
  readonly catchUp?: boolean
  /** Called after each successful cycle (metrics, events, tests). */
  readonly onCycle?: (result: BackupCycleResult) => Effect.Effect<void>
}

export interface BackupCycleResult {
  readonly trigger: "schedule" | "catch-up" | "demand"
  readonly manifest: BackupManifest
  readonly verification: VerifyReport | undefined
  readonly prune: PruneResult
  readonly cleanedIncomplete: ReadonlyArray<string>
  /** Leftovers of uploads killed mid-way that this cycle removed. */
  readonly sweptInterrupted: ReadonlyArray<InterruptedUpload>
  /**
   * Why the sweep could not run, when it could not. It does not fail the cycle: the backup
   * stands, and a store that lacks the operation or the permission (S3
   * `ListBucketMultipartUploads`) would otherwise fail every cycle.
   */
  readonly sweepProblem?: string
}

export interface BackupActor {
  /** The scheduled loop; never succeeds. Fails with the first failed cycle. */
  readonly run: Effect.Effect<never, BackupCycleError>
  /** One cycle now (waits for a running one to finish first). */
  readonly trigger: Effect.Effect<BackupCycleResult, BackupCycleError>
  /** When the next scheduled cycle is due after `now` (epoch ms). */
  readonly nextRunAfter: (now: number) => number
}

/** One cycle: backup → verify → prune → clean up incomplete snapshots and interrupted uploads. */
export const runBackupCycle = (
  options: BackupActorOptions,
  trigger: BackupCycleResult["trigger"],
): Effect.Effect<BackupCycleResult, BackupCycleError, Backups> =>
  Effect.gen(function* () {
    const backups = yield* Backups
    const manifest = yield* backups.create
    let verification: VerifyReport | undefined
    if (options.verify ?? true) {
      verification = yield* backups.verify(manifest.id)
      if (!verification.ok) return yield* new BackupVerifyFailed({ report: verification })
    }
    // The snapshot just verified is kept, and ordered by creation, not by a clock that may have been stepped.
    const prune = yield* backups.prune(options.retention ?? DEFAULT_RETENTION, options.timeZone ?? "UTC", verification?.ok === true ? manifest.id : undefined)
    const graceMs = options.incompleteGraceMs ?? 3_600_000
    const cleanedIncomplete = yield* backups.cleanupIncomplete(graceMs)
    const swept = yield* Effect.result(backups.sweepInterrupted(graceMs))
    const sweptInterrupted = Result.isSuccess(swept) ? swept.success : []
    if (Result.isFailure(swept)) {
      yield* Effect.logWarning(`backup: interrupted uploads not swept (the backup stands): ${swept.failure.message}`)
    } else if (sweptInterrupted.length > 0) {
      // An operator should hear of them: each one is a write that was killed.
      yield* Effect.logInfo(`backup: removed ${describeSwept(sweptInterrupted)}`)
    }
    const result: BackupCycleResult = {
      trigger,
      manifest,
      verification,
      prune,
      cleanedIncomplete,
      sweptInterrupted,
      ...(Result.isFailure(swept) ? { sweepProblem: swept.failure.message } : {}),
    }
    if (options.onCycle) yield* options.onCycle(result)
    return result
  }).pipe(Effect.withSpan("backup.cycle", { attributes: { trigger } }))

/** `2 interrupted upload(s): snap/obj (upload 3f…, started 2030-01-01T02:00:00.000Z), …` */
const describeSwept = (swept: ReadonlyArray<InterruptedUpload>): string =>
  `${swept.length} interrupted upload(s): ${
    swept.map((u) => `${u.key} (${u.uploadId ? `upload ${u.uploadId}, ` : ""}started ${new Date(u.startedAt).toISOString()})`).join(", ")
  }`

export const parseSchedule = (schedule: string, timeZone: string): Result.Result<Cron.Cron, BackupScheduleInvalid> =>
  Result.mapError(Cron.parse(schedule, timeZone), (e) => new BackupScheduleInvalid({ schedule, reason: e.message }))

export const makeBackupActor = (
  options: BackupActorOptions = {},
): Effect.Effect<BackupActor, BackupScheduleInvalid, Backups> =>
  Effect.gen(function* () {
    const backups = yield* Backups
    const schedule = options.schedule ?? DEFAULT_SCHEDULE
    const timeZone = options.timeZone ?? "UTC"
    const parsed = parseSchedule(schedule, timeZone)
    if (Result.isFailure(parsed)) return yield* parsed.failure
    const cron = parsed.success
    const lock = yield* Semaphore.make(1)
    const cycle = (trigger: BackupCycleResult["trigger"]) =>
      lock.withPermits(1)(Effect.provideService(runBackupCycle(options, trigger), Backups, backups))
    const nextRunAfter = (now: number) => Cron.next(cron, new Date(now)).getTime()

    const catchUp = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const previous = Cron.prev(cron, new Date(now)).getTime()
      const latest = yield* backups.latest
      if (latest === undefined || latest.createdAt < previous) yield* cycle("catch-up")
    })

    const loop = Effect.gen(function* () {
      if (options.catchUp ?? true) yield* catchUp
      while (true) {
        const now = yield* Clock.currentTimeMillis
        yield* Effect.sleep(Duration.millis(Math.max(0, nextRunAfter(now) - now)))
        yield* cycle("schedule")
      }
    }) as Effect.Effect<never, BackupCycleError>

    return { run: loop, trigger: cycle("demand"), nextRunAfter }
  })
