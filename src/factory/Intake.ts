import { Clock, Context, Effect, Latch, Layer, Ref } from "effect"
import { EventBus } from "../events/EventBus.ts"

export interface IntakeShape {
  readonly paused: Effect.Effect<boolean>
  /** Pausing stops workers from claiming new jobs; jobs in flight finish. Publishes `IntakeChanged`. */
  readonly setPaused: (paused: boolean) => Effect.Effect<void>
  /** Parks until intake is running. */
  readonly awaitRunning: Effect.Effect<void>
}

/** The operator's pause switch (dashboard `p`, `POST /api/v1/intake`). */
export class Intake extends Context.Service<Intake, IntakeShape>()("novel-factory/Intake") {
  static readonly layer = Layer.effect(
    Intake,
    Effect.gen(function* () {
      const bus = yield* EventBus
      const latch = yield* Latch.make(true)
      const state = yield* Ref.make(false)
      return Intake.of({
        paused: Ref.get(state),
        setPaused: (paused) =>
          Effect.gen(function* () {
            const before = yield* Ref.getAndSet(state, paused)
            if (before === paused) return
            yield* paused ? latch.close : latch.open
            yield* bus.publish({ _tag: "IntakeChanged", at: yield* Clock.currentTimeMillis, paused })
          }),
        awaitRunning: latch.await,
      })
    }),
  )
}
