import { isAbsolute, join, resolve } from "node:path"
import { Cron, Result, Schema } from "effect"

const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
/** S3 requires parts of at least 5 MiB (all but the last). */
const PartSize = Schema.Int.check(Schema.isGreaterThanOrEqualTo(5 * 1024 * 1024))

export const BackupStoreConfig = Schema.Union([
  /** A directory (another disk, a mounted share …). Default `<home>/backups`. */
  Schema.Struct({ kind: Schema.Literal("directory"), path: Schema.optional(Schema.String) }),
  /** S3 or an S3-compatible server. Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY only. */
  Schema.Struct({
    kind: Schema.Literal("s3"),
    bucket: Schema.String,
    prefix: Schema.optional(Schema.String),
    region: Schema.optional(Schema.String),
    endpoint: Schema.optional(Schema.String),
    forcePathStyle: Schema.optional(Schema.Boolean),
    multipartThresholdBytes: Schema.optional(PartSize),
    partSizeBytes: Schema.optional(PartSize),
  }),
])
export type BackupStoreConfig = typeof BackupStoreConfig.Type

/** restic-style retention; a snapshot kept by any rule is kept. All zero keeps everything. */
export const RetentionConfig = Schema.Struct({
  keepLast: Schema.optional(NonNegativeInt),
  keepDaily: Schema.optional(NonNegativeInt),
  keepWeekly: Schema.optional(NonNegativeInt),
})

/**
 * The optional `backup:` section of factory.yaml. Every key is optional:
 *
 * ```yaml
 * backup:
 *   store: { kind: s3, bucket: my-bucket, prefix: novel-factory, region: eu-central-1 }
 *   schedule: "0 4 * * 0"      # cron, 5 or 6 fields
 *   timeZone: UTC               # of the schedule and of the retention's days/weeks
 *   verify: true                # verify each backup right after taking it
 *   retention: { keepLast: 7, keepDaily: 7, keepWeekly: 4 }
 *   incompleteGraceMinutes: 60  # an unfinished snapshot, or an interrupted upload's leftover, older than this is deleted
 * ```
 */
export const BackupConfigSchema = Schema.Struct({
  store: Schema.optional(BackupStoreConfig),
  schedule: Schema.optional(Schema.String),
  timeZone: Schema.optional(Schema.String),
  verify: Schema.optional(Schema.Boolean),
  retention: Schema.optional(RetentionConfig),
  incompleteGraceMinutes: Schema.optional(NonNegativeInt),
})
export type BackupConfigInput = typeof BackupConfigSchema.Type

export interface RetentionPolicy {
  readonly keepLast: number
  readonly keepDaily: number
  readonly keepWeekly: number
}

export interface BackupSettings {
  readonly store:
    | { readonly kind: "directory"; readonly path: string }
    | (Extract<BackupStoreConfig, { kind: "s3" }> & { readonly kind: "s3" })
  readonly schedule: string
  readonly timeZone: string
  readonly verify: boolean
  readonly retention: RetentionPolicy
  readonly incompleteGraceMs: number
}

export const DEFAULT_SCHEDULE = "0 4 * * 0"
export const DEFAULT_RETENTION: RetentionPolicy = { keepLast: 7, keepDaily: 7, keepWeekly: 4 }

/** The `backup` section as the config loader decoded it (or its absence), with every default filled in. */
export const resolveBackupSettings = (section: BackupConfigInput | undefined, home: string): Result.Result<BackupSettings, string> => {
  const input = section ?? {}
  const schedule = input.schedule ?? DEFAULT_SCHEDULE
  const timeZone = input.timeZone ?? "UTC"
  const cron = Cron.parse(schedule, timeZone)
  if (Result.isFailure(cron)) return Result.fail(`backup.schedule: ${cron.failure.message} ('${schedule}' in ${timeZone})`)
  const store = input.store ?? { kind: "directory" as const }
  return Result.succeed({
    store: store.kind === "directory" ? { kind: "directory", path: store.path === undefined ? join(home, "backups") : isAbsolute(store.path) ? store.path : resolve(home, store.path) } : store,
    schedule,
    timeZone,
    verify: input.verify ?? true,
    retention: { ...DEFAULT_RETENTION, ...input.retention },
    incompleteGraceMs: (input.incompleteGraceMinutes ?? 60) * 60_000,
  })
}
