import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Ref } from "effect"
import { TestClock } from "effect/testing"
import { Backups, type BackupsShape } from "../../../src/backup/Backups.ts"
import { EventBus, type EventBusShape } from "../../../src/events/EventBus.ts"
import type { FactoryEvent } from "../../../src/events/FactoryEvent.ts"
import { DEFAULT_ALERTS, type AlertSettings } from "../../../src/ops/alerts/AlertsConfig.ts"
import { alertsActor } from "../../../src/ops/alerts/AlertsActor.ts"
import type { AlertEvent } from "../../../src/ops/alerts/Rules.ts"
import { makeWebhook, WebhookFailed, type WebhookPost } from "../../../src/ops/alerts/Webhook.ts"
import { JobQueue, type JobQueueShape, type QueueStats } from "../../../src/queue/JobQueue.ts"

const settle = Effect.gen(function* () {
  for (let i = 0; i < 50; i++) yield* Effect.yieldNow
})

interface Harness {
  readonly bus: EventBusShape
  readonly stats: Ref.Ref<QueueStats>
  readonly latestBackup: Ref.Ref<number | null>
  readonly posts: Array<{ rule: string; state: string; text: string }>
  /** Alert transitions on the bus so far, as `rule:state`. */
  readonly alerts: Effect.Effect<ReadonlyArray<string>>
  readonly publish: (event: FactoryEvent) => Effect.Effect<void>
  readonly now: Effect.Effect<number>
}

const start = (settings: Partial<AlertSettings> = {}, post?: WebhookPost) =>
  Effect.gen(function* () {
    const bus = yield* EventBus.make()
    const stats = yield* Ref.make<QueueStats>({ queued: 0, inFlight: 0, committed: 0, dead: 0, skipped: 0, held: 0 })
    const latestBackup = yield* Ref.make<number | null>(null)
    const posts: Harness["posts"] = []
    const queue = { stats: Ref.get(stats) } as unknown as JobQueueShape
    const backups = {
      latest: Effect.map(Ref.get(latestBackup), (at) => (at === null ? undefined : { createdAt: at })),
    } as unknown as BackupsShape
    const record: WebhookPost = (_url, body) =>
      Effect.sync(() => {
        const b = body as { rule: string; state: string; text: string }
        posts.push({ rule: b.rule, state: b.state, text: b.text })
      })
    const fiber = yield* alertsActor({
      settings: { ...DEFAULT_ALERTS, webhookUrl: "http://127.0.0.1:1/hook", ...settings },
      backupSchedule: { schedule: "0 4 * * *", timeZone: "UTC" },
      post: post ?? record,
    }).pipe(
      Effect.provideService(EventBus, bus),
      Effect.provideService(JobQueue, queue),
      Effect.provideService(Backups, backups),
      Effect.forkChild,
    )
    yield* settle
    const harness: Harness = {
      bus,
      stats,
      latestBackup,
      posts,
      alerts: Effect.map(bus.recent(), (events) => events.filter((e): e is AlertEvent => e._tag === "Alert").map((a) => `${a.rule}:${a.state}`)),
      publish: (event) => Effect.andThen(bus.publish(event), settle),
      now: Clock.currentTimeMillis,
    }
    return { harness, fiber }
  })

describe("alerts actor (TestClock)", () => {
  it.effect("queue depth and dead-letter growth fire on the poll and resolve", () =>
    Effect.gen(function* () {
      const { harness: h, fiber } = yield* start()
      yield* Ref.set(h.stats, { queued: 25, inFlight: 1, committed: 0, dead: 0, skipped: 0, held: 0 })
      yield* TestClock.adjust("30 seconds")
      expect(yield* h.alerts).toEqual(["queue.depth-critical:firing"])
      yield* Ref.set(h.stats, { queued: 3, inFlight: 1, committed: 0, dead: 6, skipped: 0, held: 0 })
      yield* TestClock.adjust("30 seconds")
      expect(yield* h.alerts).toEqual(["queue.depth-critical:firing", "queue.depth-critical:resolved", "queue.dead-letter-growth:firing"])
      // an hour without new dead letters: the growth leaves the window
      yield* TestClock.adjust("61 minutes")
      expect((yield* h.alerts).slice(3)).toEqual(["queue.dead-letter-growth:resolved"])
      expect(h.posts.map((p) => `${p.rule}:${p.state}`)).toEqual(yield* h.alerts)
      expect(h.posts[0]!.text).toBe("🔔 FIRING queue.depth-critical: 25 jobs queued, above the critical depth of 20")
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a restart storm fires at once and resolves on the first poll after the minute", () =>
    Effect.gen(function* () {
      const { harness: h, fiber } = yield* start()
      for (let i = 0; i < 6; i++) {
        yield* h.publish({ _tag: "ChildRestarting", at: yield* h.now, supervisor: "factory", child: "writer-1", attempt: i + 1, delayMs: 5000 })
      }
      expect(yield* h.alerts).toEqual(["supervision.restart-storm:firing"])
      yield* TestClock.adjust("30 seconds")
      expect(yield* h.alerts).toEqual(["supervision.restart-storm:firing"])
      yield* TestClock.adjust("31 seconds")
      expect(yield* h.alerts).toEqual(["supervision.restart-storm:firing", "supervision.restart-storm:resolved"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("success rate below the floor fires per window and each window resolves as time slides", () =>
    Effect.gen(function* () {
      const { harness: h, fiber } = yield* start({ backupOverdueFactor: 100 })
      for (let i = 0; i < 5; i++) {
        yield* h.publish({ _tag: "JobDead", at: yield* h.now, job: `j${i}`, project: "p", episode: i + 1, reason: "poison" })
      }
      expect(yield* h.alerts).toEqual(["jobs.success-rate-1h:firing", "jobs.success-rate-6h:firing", "jobs.success-rate-24h:firing"])
      yield* TestClock.adjust("61 minutes")
      expect((yield* h.alerts).slice(3)).toEqual(["jobs.success-rate-1h:resolved"])
      yield* TestClock.adjust("5 hours")
      expect((yield* h.alerts).slice(4)).toEqual(["jobs.success-rate-6h:resolved"])
      yield* TestClock.adjust("18 hours")
      expect((yield* h.alerts).slice(5)).toEqual(["jobs.success-rate-24h:resolved"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("backup overdue and failed verification fire and resolve with a new backup", () =>
    Effect.gen(function* () {
      const { harness: h, fiber } = yield* start()
      // daily schedule: overdue once no backup is 36 h old
      yield* TestClock.adjust("35 hours")
      expect(yield* h.alerts).toEqual([])
      yield* TestClock.adjust("90 minutes")
      expect(yield* h.alerts).toEqual(["backup.overdue:firing"])
      yield* Ref.set(h.latestBackup, yield* h.now)
      yield* TestClock.adjust("30 seconds")
      expect(yield* h.alerts).toEqual(["backup.overdue:firing", "backup.overdue:resolved"])
      yield* h.publish({
        _tag: "ChildExited",
        at: yield* h.now,
        supervisor: "factory",
        child: "backup",
        outcome: "failure",
        cause: "BackupVerifyFailed: backup 19700102T133000000Z-000001 failed verification: factory.db.gz: size 10, expected 12",
      })
      expect((yield* h.alerts).slice(2)).toEqual(["backup.verification-failed:firing"])
      yield* TestClock.adjust("1 hour")
      expect((yield* h.alerts).slice(2)).toEqual(["backup.verification-failed:firing"])
      yield* Ref.set(h.latestBackup, yield* h.now)
      yield* TestClock.adjust("30 seconds")
      expect((yield* h.alerts).slice(2)).toEqual(["backup.verification-failed:firing", "backup.verification-failed:resolved"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("the budget gate's alert is tracked and delivered to the webhook, not published twice", () =>
    Effect.gen(function* () {
      const { harness: h, fiber } = yield* start()
      yield* h.publish({ _tag: "Alert", at: yield* h.now, rule: "finance.daily-budget", state: "firing", message: "daily LLM budget of $5.00 reached" })
      yield* TestClock.adjust("1 hour")
      yield* h.publish({ _tag: "Alert", at: yield* h.now, rule: "finance.daily-budget", state: "resolved", message: "new UTC day" })
      yield* settle
      expect(yield* h.alerts).toEqual(["finance.daily-budget:firing", "finance.daily-budget:resolved"])
      expect(h.posts.map((p) => `${p.rule}:${p.state}`)).toEqual(["finance.daily-budget:firing", "finance.daily-budget:resolved"])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a webhook that hangs never blocks the alerts: they reach the bus at once", () =>
    Effect.gen(function* () {
      let calls = 0
      const { harness: h, fiber } = yield* start({}, () => Effect.andThen(Effect.sync(() => calls++), Effect.never))
      for (let round = 0; round < 3; round++) {
        yield* Ref.set(h.stats, { queued: 50, inFlight: 0, committed: 0, dead: 0, skipped: 0, held: 0 })
        yield* TestClock.adjust("30 seconds")
        yield* Ref.set(h.stats, { queued: 0, inFlight: 0, committed: 0, dead: 0, skipped: 0, held: 0 })
        yield* TestClock.adjust("30 seconds")
      }
      expect((yield* h.alerts).length).toBe(6)
      expect(calls).toBe(1) // the first delivery is still hanging; the rest wait in the queue
      yield* Fiber.interrupt(fiber)
    }))
})

describe("webhook", () => {
  const alert = (i: number): AlertEvent => ({ _tag: "Alert", at: i, rule: "queue.depth-critical", state: "firing", message: `m${i}` })

  it.effect("retries with back-off until delivered, in order", () =>
    Effect.scoped(Effect.gen(function* () {
      const attempts: Array<{ at: number; message: string }> = []
      const post: WebhookPost = (_url, body) =>
        Effect.gen(function* () {
          const at = yield* Clock.currentTimeMillis
          const message = (body as { message: string }).message
          attempts.push({ at, message })
          if (attempts.filter((a) => a.message === message).length < 3) return yield* new WebhookFailed({ message: "HTTP 503" })
        })
      const webhook = yield* makeWebhook({ url: "http://127.0.0.1:1/hook", post, attempts: 5 })
      yield* webhook.notify(alert(1))
      yield* webhook.notify(alert(2))
      yield* settle
      yield* TestClock.adjust("10 seconds")
      // 1 s then 2 s between the attempts of each alert; the second waits for the first
      expect(attempts).toEqual([
        { at: 0, message: "m1" },
        { at: 1000, message: "m1" },
        { at: 3000, message: "m1" },
        { at: 3000, message: "m2" },
        { at: 4000, message: "m2" },
        { at: 6000, message: "m2" },
      ])
      expect(yield* webhook.pending).toBe(0)
    })))

  it.effect("gives up after its attempts and goes on with the next alert", () =>
    Effect.scoped(Effect.gen(function* () {
      const seen: Array<string> = []
      const post: WebhookPost = (_url, body) =>
        Effect.andThen(Effect.sync(() => seen.push((body as { message: string }).message)), Effect.fail(new WebhookFailed({ message: "refused" })))
      const webhook = yield* makeWebhook({ url: "http://127.0.0.1:1/hook", post, attempts: 3 })
      yield* webhook.notify(alert(1))
      yield* webhook.notify(alert(2))
      yield* settle
      yield* TestClock.adjust("1 minute")
      expect(seen).toEqual(["m1", "m1", "m1", "m2", "m2", "m2"])
    })))

  it.effect("notify never waits: a full queue drops the oldest undelivered alerts", () =>
    Effect.scoped(Effect.gen(function* () {
      const webhook = yield* makeWebhook({ url: "http://127.0.0.1:1/hook", post: () => Effect.never, capacity: 4 })
      for (let i = 0; i < 100; i++) yield* webhook.notify(alert(i))
      expect(yield* webhook.pending).toBeLessThanOrEqual(4)
    })))
})
