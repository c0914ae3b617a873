import { Clock, Cron, Effect, Option, PubSub, Ref, Result, Schedule, Semaphore } from "effect"
import { Backups } from "../../backup/Backups.ts"
import { EventBus } from "../../events/EventBus.ts"
import { JobQueue } from "../../queue/JobQueue.ts"
import type { AlertSettings } from "./AlertsConfig.ts"
import { type AlertInput, type AlertState, initialAlertState, type RuleContext, step } from "./Rules.ts"
import { fetchPost, makeWebhook, type Webhook, type WebhookPost } from "./Webhook.ts"

/**
 * The longest gap between consecutive runs of a cron schedule over its next `runs` runs after
 * `now` (a weekly schedule: 7 days; `0 4 * * 1,4`: 4 days): the period "backup overdue" scales.
 */
export const cronPeriodMs = (schedule: string, timeZone: string, now: number, runs = 16): number | string => {
  const cron = Cron.parse(schedule, timeZone)
  if (Result.isFailure(cron)) return `backup schedule '${schedule}': ${cron.failure.message}`
  let previous = Cron.next(cron.success, new Date(now)).getTime()
  let longest = 0
  for (let i = 0; i < runs; i++) {
    const next = Cron.next(cron.success, new Date(previous)).getTime()
    longest = Math.max(longest, next - previous)
    previous = next
  }
  return longest
}

export interface AlertsActorOptions {
  readonly settings: AlertSettings
  /** Watch backups against this schedule (from the `backup` config); omit to not watch them. */
  readonly backupSchedule?: { readonly schedule: string; readonly timeZone: string } | undefined
  /** How the webhook POSTs (default: fetch with `settings.webhookTimeoutMs`). */
  readonly post?: WebhookPost
  /** Called with the state after every input (the dashboard or a status endpoint can show what is firing). */
  readonly onState?: (state: AlertState) => Effect.Effect<void>
}

/**
 * The alerts actor: behaviour only (the supervision tree runs it as a permanent child).
 *
 * - folds every event of the bus into the rules (`Rules.step`);
 * - every `pollMs` (first at start) samples queue stats and — when `Backups` is provided and a
 *   schedule is given — the newest backup, then ticks the clock-driven rules;
 * - publishes each firing and resolution as an `Alert` event, in order (one permit);
 * - forwards those, and alerts raised elsewhere (the budget gate's), to the webhook if configured,
 *   through a bounded queue drained by its own fiber: the actor never waits on the webhook.
 *
 * A queue or backup store that cannot be read leaves its rules as they were (unknown is not
 * "resolved"). Time is Effect's Clock: TestClock drives every rule in tests.
 */
export const alertsActor = (options: AlertsActorOptions): Effect.Effect<never, never, EventBus | JobQueue> =>
  Effect.gen(function* () {
    const { settings } = options
    const bus = yield* EventBus
    const queue = yield* JobQueue
    const backups = yield* Effect.serviceOption(Backups)
    const startedAt = yield* Clock.currentTimeMillis

    let backupPeriodMs: number | null = null
    if (options.backupSchedule !== undefined && Option.isSome(backups)) {
      const period = cronPeriodMs(options.backupSchedule.schedule, options.backupSchedule.timeZone, startedAt)
      if (typeof period === "string") yield* Effect.logWarning(`alerts: backups not watched: ${period}`)
      else backupPeriodMs = period
    }
    const ctx: RuleContext = { settings, backupPeriodMs }

    const webhook: Webhook | undefined = settings.webhookUrl === undefined ? undefined : yield* makeWebhook({
      url: settings.webhookUrl,
      post: options.post ?? fetchPost(settings.webhookTimeoutMs),
      attempts: settings.webhookAttempts,
    })

    const state = yield* Ref.make(initialAlertState(startedAt))
    const permit = yield* Semaphore.make(1)
    const apply = (input: AlertInput, replay = false) =>
      Effect.gen(function* () {
        const result = yield* Ref.modify(state, (s) => {
          const r = step(ctx, s, input)
          return [r, r.state] as const
        })
        for (const alert of result.publish) yield* bus.publish(alert)
        if (webhook !== undefined) {
          for (const alert of result.publish) yield* webhook.notify(alert)
          if (!replay) for (const alert of result.forward) yield* webhook.notify(alert)
        }
        if (options.onState !== undefined && (result.publish.length > 0 || result.forward.length > 0)) {
          yield* options.onState(result.state)
        }
      }).pipe(Semaphore.withPermits(permit, 1))

    const poll = Effect.gen(function* () {
      // Bounded: behind its breaker, the queue may park callers during an outage; the ticks must go on.
      const stats = yield* Effect.option(Effect.timeout(queue.stats, settings.pollMs))
      if (Option.isSome(stats)) yield* apply({ _tag: "QueueSample", at: yield* Clock.currentTimeMillis, stats: stats.value })
      if (backupPeriodMs !== null && Option.isSome(backups)) {
        const latest = yield* Effect.option(Effect.timeout(backups.value.latest, settings.pollMs))
        if (Option.isSome(latest)) {
          yield* apply({ _tag: "BackupSample", at: yield* Clock.currentTimeMillis, latestAt: latest.value?.createdAt ?? null })
        }
      }
      yield* apply({ _tag: "Tick", at: yield* Clock.currentTimeMillis })
    })

    const subscription = yield* bus.subscribe
    // Alerts raised before we subscribed (the budget gate may already be paused) are still in
    // `recent`: track them (not re-delivered: they were delivered when they were raised, or
    // raised before the webhook existed). The subscription may repeat some: skipped by identity.
    const replayed = new WeakSet<object>()
    for (const event of yield* bus.recent()) {
      if (event._tag !== "Alert") continue
      replayed.add(event)
      yield* apply({ _tag: "Event", event }, true)
    }
    yield* poll.pipe(Effect.repeat(Schedule.spaced(settings.pollMs)), Effect.forkScoped)
    return yield* Effect.forever(
      Effect.flatMap(PubSub.take(subscription), (event) => (replayed.has(event) ? Effect.void : apply({ _tag: "Event", event }))),
    )
  }).pipe(Effect.scoped)
