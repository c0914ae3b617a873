import { Context, Effect, Layer, PubSub, type Scope } from "effect"
import type { FactoryEvent } from "./FactoryEvent.ts"

export interface EventBusShape {
  readonly publish: (event: FactoryEvent) => Effect.Effect<void>
  /** A live subscription; events published before it are in `recent`. */
  readonly subscribe: Effect.Effect<PubSub.Subscription<FactoryEvent>, never, Scope.Scope>
  /** The last events kept in memory (oldest first), for late subscribers such as a dashboard attaching. */
  readonly recent: (limit?: number) => Effect.Effect<ReadonlyArray<FactoryEvent>>
}

/**
 * The one stream of factory events. The PubSub slides (drops a slow subscriber's
 * oldest events) so that publishing never blocks the pipeline or a supervisor.
 */
export class EventBus extends Context.Service<EventBus, EventBusShape>()("novel-factory/EventBus") {
  static readonly make = (options?: { readonly keep?: number; readonly subscriberCapacity?: number }) =>
    Effect.gen(function* () {
      const keep = options?.keep ?? 1_000
      const pubsub = yield* PubSub.sliding<FactoryEvent>(options?.subscriberCapacity ?? 4_096)
      // A circular buffer: publishing is O(1) however many events are kept.
      const ring = new Array<FactoryEvent | undefined>(keep)
      let written = 0
      const publish = (event: FactoryEvent) =>
        Effect.suspend(() => {
          ring[written % keep] = event
          written++
          return PubSub.publish(pubsub, event)
        }).pipe(Effect.asVoid)
      const recent = (limit?: number): ReadonlyArray<FactoryEvent> => {
        const count = Math.min(written, keep, limit ?? keep)
        const out: Array<FactoryEvent> = []
        for (let i = written - count; i < written; i++) out.push(ring[i % keep]!)
        return out
      }
      return EventBus.of({
        publish,
        subscribe: PubSub.subscribe(pubsub),
        recent: (limit) => Effect.sync(() => recent(limit)),
      })
    })

  static readonly layer = (options?: { readonly keep?: number; readonly subscriberCapacity?: number }) =>
    Layer.effect(EventBus, EventBus.make(options))
}
