import { Result, Schema } from "effect"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Fraction = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))

/**
 * The optional `alerts:` section of factory.yaml. Every key has a default:
 *
 * ```yaml
 * alerts:
 *   webhookUrl: https://hooks.example.com/novel-factory   # POSTed every firing and resolution (JSON, with a Slack-style `text`)
 *   successFloor: 0.7            # success rate (committed / finished) below this fires, per window
 *   successWindowsHours: [1, 6, 24]
 *   successMinJobs: 5            # a window with fewer finished jobs is not judged
 *   queueCritical: 20            # more queued jobs than this fires
 *   restartsPerMinute: 5         # more supervised restarts within a minute than this fires
 *   deadLetterGrowth: 5          # this many new dead-lettered jobs within the window fires
 *   deadLetterWindowMinutes: 60
 *   backupOverdueFactor: 1.5     # latest backup older than the schedule's period × this fires
 *   breakerOpenSeconds: 30       # a dependency's breaker (llm, queue, story store) open longer than this fires
 *   pollSeconds: 30              # queue stats and backups are read this often
 *   webhookAttempts: 8           # deliveries per alert before it is dropped (back-off 1 s doubling, ≤ 60 s)
 *   webhookTimeoutSeconds: 10
 * ```
 */
export const AlertsConfigSchema = Schema.Struct({
  webhookUrl: Schema.optional(Schema.String),
  successFloor: Schema.optional(Fraction),
  successWindowsHours: Schema.optional(Schema.Array(PositiveInt)),
  successMinJobs: Schema.optional(PositiveInt),
  queueCritical: Schema.optional(NonNegativeInt),
  restartsPerMinute: Schema.optional(NonNegativeInt),
  deadLetterGrowth: Schema.optional(PositiveInt),
  deadLetterWindowMinutes: Schema.optional(PositiveInt),
  backupOverdueFactor: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(1))),
  breakerOpenSeconds: Schema.optional(PositiveInt),
  pollSeconds: Schema.optional(PositiveInt),
  webhookAttempts: Schema.optional(PositiveInt),
  webhookTimeoutSeconds: Schema.optional(PositiveInt),
})
export type AlertsConfigInput = typeof AlertsConfigSchema.Type

/** The optional `journal:` section: how long the event journal keeps events. */
export const JournalConfigSchema = Schema.Struct({
  retentionDays: Schema.optional(PositiveInt),
})
export type JournalConfigInput = typeof JournalConfigSchema.Type

export interface AlertSettings {
  readonly webhookUrl: string | undefined
  readonly successFloor: number
  readonly successWindowsHours: ReadonlyArray<number>
  readonly successMinJobs: number
  readonly queueCritical: number
  readonly restartsPerMinute: number
  readonly deadLetterGrowth: number
  readonly deadLetterWindowMs: number
  readonly backupOverdueFactor: number
  readonly breakerOpenMs: number
  readonly pollMs: number
  readonly webhookAttempts: number
  readonly webhookTimeoutMs: number
}

export const DEFAULT_ALERTS: AlertSettings = {
  webhookUrl: undefined,
  successFloor: 0.7,
  successWindowsHours: [1, 6, 24],
  successMinJobs: 5,
  queueCritical: 20,
  restartsPerMinute: 5,
  deadLetterGrowth: 5,
  deadLetterWindowMs: 60 * 60_000,
  backupOverdueFactor: 1.5,
  breakerOpenMs: 30_000,
  pollMs: 30_000,
  webhookAttempts: 8,
  webhookTimeoutMs: 10_000,
}

/** The `alerts` section as the config loader decoded it (or its absence), with every default filled in. */
export const resolveAlertSettings = (section: AlertsConfigInput | undefined): Result.Result<AlertSettings, string> => {
  const input = section ?? {}
  if (input.webhookUrl !== undefined) {
    let url: URL
    try {
      url = new URL(input.webhookUrl)
    } catch {
      return Result.fail(`alerts.webhookUrl: expected an http(s) URL, got '${input.webhookUrl}'`)
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return Result.fail(`alerts.webhookUrl: expected an http(s) URL, got '${input.webhookUrl}'`)
  }
  if (input.successWindowsHours !== undefined && input.successWindowsHours.length === 0) {
    return Result.fail("alerts.successWindowsHours: expected at least one window, e.g. [1, 6, 24]")
  }
  const d = DEFAULT_ALERTS
  return Result.succeed({
    webhookUrl: input.webhookUrl,
    successFloor: input.successFloor ?? d.successFloor,
    successWindowsHours: [...new Set(input.successWindowsHours ?? d.successWindowsHours)].sort((a, b) => a - b),
    successMinJobs: input.successMinJobs ?? d.successMinJobs,
    queueCritical: input.queueCritical ?? d.queueCritical,
    restartsPerMinute: input.restartsPerMinute ?? d.restartsPerMinute,
    deadLetterGrowth: input.deadLetterGrowth ?? d.deadLetterGrowth,
    deadLetterWindowMs: input.deadLetterWindowMinutes === undefined ? d.deadLetterWindowMs : input.deadLetterWindowMinutes * 60_000,
    backupOverdueFactor: input.backupOverdueFactor ?? d.backupOverdueFactor,
    breakerOpenMs: input.breakerOpenSeconds === undefined ? d.breakerOpenMs : input.breakerOpenSeconds * 1000,
    pollMs: input.pollSeconds === undefined ? d.pollMs : input.pollSeconds * 1000,
    webhookAttempts: input.webhookAttempts ?? d.webhookAttempts,
    webhookTimeoutMs: input.webhookTimeoutSeconds === undefined ? d.webhookTimeoutMs : input.webhookTimeoutSeconds * 1000,
  })
}

/** The alert settings of a loaded config. */
export const alertSettingsOf = (config: { readonly alerts?: AlertsConfigInput | undefined }): Result.Result<AlertSettings, string> =>
  resolveAlertSettings(config.alerts)

export const DEFAULT_JOURNAL_RETENTION_DAYS = 30

/** `journal.retentionDays` of a loaded config, or the default (30). */
export const journalRetentionDaysOf = (config: { readonly journal?: JournalConfigInput | undefined }): number =>
  config.journal?.retentionDays ?? DEFAULT_JOURNAL_RETENTION_DAYS
