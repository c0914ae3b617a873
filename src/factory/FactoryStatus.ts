import { readFileSync } from "node:fs"
import { Clock, Context, Effect, Layer } from "effect"

/** The version of this checkout, as the status API and the dashboard show it. */
export const packageVersion: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version

/** One external dependency as readiness sees it (the state of its circuit breaker). */
export interface DependencyHealth {
  readonly name: string
  readonly state: "closed" | "open" | "half-open"
}

/**
 * What the runtime around the pipeline knows about itself: the supervision tree and the
 * dependencies' breakers. `src/` reads it (API, dashboard, status) without importing the
 * supervisors that provide it.
 */
export interface FactoryStatusShape {
  readonly version: string
  readonly mode: string
  readonly startedAt: number
  /** The supervision tree snapshot, as plain serialisable data. */
  readonly supervision: Effect.Effect<unknown>
  readonly dependencies: Effect.Effect<ReadonlyArray<DependencyHealth>>
}

export class FactoryStatus extends Context.Service<FactoryStatus, FactoryStatusShape>()("novel-factory/FactoryStatus") {
  /** For processes without a supervision tree (one-shot CLI commands). */
  static readonly standalone = (mode: string) =>
    Layer.effect(
      FactoryStatus,
      Effect.map(Clock.currentTimeMillis, (startedAt) =>
        FactoryStatus.of({ version: packageVersion, mode, startedAt, supervision: Effect.succeed(null), dependencies: Effect.succeed([]) })),
    )
}
