import { Context, Effect, Layer } from "effect"
import type { PipelineStage } from "../events/FactoryEvent.ts"

/**
 * Named points in the life of a job (each stage — `writer`, `guard`, `critic`, `editor`, `analyst`,
 * `summary`, `commit` — and `committed`).
 * The worker passes through each one; in production nothing happens there. Chaos tests
 * and `novel-factory chaos` provide an implementation that crashes the stage at a point
 * of their choosing — a deterministic way to test recovery at every step.
 */
export type FaultPoint = PipelineStage | "committed"

export interface FaultPointsShape {
  readonly reach: (point: FaultPoint, job: string) => Effect.Effect<void>
}

export class FaultPoints extends Context.Service<FaultPoints, FaultPointsShape>()("novel-factory/FaultPoints") {
  static readonly none = Layer.succeed(FaultPoints, FaultPoints.of({ reach: () => Effect.void }))
}
