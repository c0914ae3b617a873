import { hostname } from "node:os"
import { Data, Duration, Effect, Queue, Schedule, type Scope } from "effect"
import type { AlertEvent } from "./Rules.ts"
import { errorMessage } from "../../util/ErrorMessage.ts"
import { cappedExponential } from "../../util/Backoff.ts"

/** A webhook delivery failed (no answer, or an answer other than 2xx); it is retried. */
export class WebhookFailed extends Data.TaggedError("WebhookFailed")<{ readonly message: string }> {}

/** Sends one JSON body; injectable so tests count attempts and simulate outages. */
export type WebhookPost = (url: string, body: unknown) => Effect.Effect<void, WebhookFailed>

/** The JSON an alert is delivered as; `text` makes it readable in Slack/Mattermost incoming webhooks. */
export const webhookBody = (alert: AlertEvent) => ({
  source: "novel-factory",
  host: hostname(),
  rule: alert.rule,
  state: alert.state,
  message: alert.message,
  at: alert.at,
  atIso: new Date(alert.at).toISOString(),
  text: `${alert.state === "firing" ? "🔔 FIRING" : "✅ RESOLVED"} ${alert.rule}: ${alert.message}`,
})

export const fetchPost = (timeoutMs: number): WebhookPost => (url, body) =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal,
      })
      await response.arrayBuffer().catch(() => undefined)
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
    },
    catch: (error) => new WebhookFailed({ message: errorMessage(error) }),
  }).pipe(
    Effect.timeout(Duration.millis(timeoutMs)),
    Effect.mapError((e) => (e._tag === "WebhookFailed" ? e : new WebhookFailed({ message: `no answer within ${timeoutMs} ms` }))),
  )

export interface WebhookOptions {
  readonly url: string
  readonly post: WebhookPost
  /** Deliveries per alert before it is dropped (default 8). */
  readonly attempts?: number
  /** Alerts waiting for delivery at most; beyond it the oldest are dropped (default 256). */
  readonly capacity?: number
  /** First retry delay (default 1 s), doubling up to `maxDelay` (default 60 s). */
  readonly baseDelay?: Duration.Input
  readonly maxDelay?: Duration.Input
}

export interface Webhook {
  /** Queues an alert for delivery. Never blocks and never fails: the queue slides when full. */
  readonly notify: (alert: AlertEvent) => Effect.Effect<void>
  /** Alerts queued and not yet delivered or dropped. */
  readonly pending: Effect.Effect<number>
}

/** Exponential back-off from `base`, doubling, capped at `max`, for `attempts − 1` retries. */
export const retrySchedule = (attempts: number, base: Duration.Input = "1 second", max: Duration.Input = "60 seconds") =>
  Schedule.max([cappedExponential({ base, max }), Schedule.recurs(Math.max(0, attempts - 1))])

/**
 * A webhook sender that can never slow the factory down: `notify` offers to a bounded sliding
 * queue (when the endpoint is down for long, the oldest undelivered alerts give way), and one
 * fiber of its own, in the caller's scope, drains it, posting each alert in order and retrying
 * with back-off. An alert that still fails after its attempts is logged and dropped.
 */
export const makeWebhook = (options: WebhookOptions): Effect.Effect<Webhook, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Queue.sliding<AlertEvent>(options.capacity ?? 256)
    const attempts = options.attempts ?? 8
    const schedule = retrySchedule(attempts, options.baseDelay, options.maxDelay)
    const deliver = (alert: AlertEvent) =>
      options.post(options.url, webhookBody(alert)).pipe(
        Effect.retry(schedule),
        Effect.catch((error) =>
          Effect.logWarning(`alert webhook: dropped ${alert.rule} ${alert.state} after ${attempts} attempt(s): ${error.message}`)
        ),
      )
    yield* Effect.forever(Effect.flatMap(Queue.take(queue), deliver)).pipe(Effect.forkScoped)
    return {
      notify: (alert) => Effect.asVoid(Queue.offer(queue, alert)),
      pending: Queue.size(queue),
    }
  })
