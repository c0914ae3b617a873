import { Data, Effect, Result } from "effect"
import { backupSettingsOf } from "../../backup/Location.ts"
import type { FactoryConfigData } from "../../config/FactoryConfig.ts"
import type { EventBus } from "../../events/EventBus.ts"
import type { JobQueue } from "../../queue/JobQueue.ts"
import type { Database, SqliteError } from "../../sqlite/Database.ts"
import { journalActor } from "../journal/EventJournal.ts"
import { alertSettingsOf, journalRetentionDaysOf } from "./AlertsConfig.ts"
import { alertsActor } from "./AlertsActor.ts"
import type { WebhookPost } from "./Webhook.ts"

/** The `alerts` / `journal` section of the config is invalid (named key and expectation). */
export class MonitoringConfigError extends Data.TaggedError("MonitoringConfigError")<{ readonly message: string }> {}

export interface MonitoringActors {
  /** Journals every bus event to SQLite; a permanent child. */
  readonly journal: Effect.Effect<never, SqliteError | MonitoringConfigError, EventBus | Database>
  /** Evaluates the alert rules and delivers alerts; a permanent child (uses `Backups` when provided). */
  readonly alerts: Effect.Effect<never, MonitoringConfigError, EventBus | JobQueue>
}

/**
 * The two monitoring actors as the config describes them, ready to be children of the
 * factory's supervision tree (`supervisors/Launch.ts` wraps them in `ChildSpec.permanent`).
 */
export const monitoringActors = (config: FactoryConfigData, options: { readonly post?: WebhookPost } = {}): MonitoringActors => {
  const retention = journalRetentionDaysOf(config)
  const alerts = alertSettingsOf(config)
  const backup = backupSettingsOf(config)
  return {
    journal: journalActor({ retentionDays: retention }),
    alerts: Result.isFailure(alerts)
      ? Effect.fail(new MonitoringConfigError({ message: alerts.failure }))
      : alertsActor({
        settings: alerts.success,
        backupSchedule: Result.isSuccess(backup) ? { schedule: backup.success.schedule, timeZone: backup.success.timeZone } : undefined,
        ...(options.post ? { post: options.post } : {}),
      }),
  }
}
