import { readFileSync } from "node:fs"
import { Clock, Context, Effect, Layer, Option } from "effect"
import { FactoryConfig } from "../config/FactoryConfig.ts"
import { type LlmConfig, stageRoute } from "../llm/LlmConfig.ts"

/** The version of this checkout, as the status API and the dashboard show it. */
export const packageVersion: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version

/** One external dependency as readiness sees it (the state of its circuit breaker). */
export interface DependencyHealth {
  readonly name: string
  readonly state: "closed" | "open" | "half-open"
  /** Why it is not closed, when its last failure says (see `classifyCause`). */
  readonly cause?: string
}

/**
 * Where the factory's writer runs, as `GET /api/v1/status` reports it (field `writer`): a
 * client that must not spend the operator's money (`novel-factory load`) reads it first.
 */
export interface WriterStatus {
  /** `offline`: the $0 offline writer; `openai`: an OpenAI-compatible API. */
  readonly route: "offline" | "openai"
  readonly model: string | null
  readonly baseUrl: string | null
  /** Whether writing costs money per token: any LLM route does (its price is not this process's to judge). */
  readonly paid: boolean
}

export const writerStatusOf = (llm: LlmConfig): WriterStatus => {
  const route = stageRoute(llm, "writer")
  return route.kind === "offline"
    ? { route: "offline", model: null, baseUrl: null, paid: false }
    : { route: "openai", model: route.settings.model, baseUrl: route.settings.baseUrl, paid: true }
}

/** The writer of the factory this process serves, or null when it runs without a factory config. */
export const currentWriterStatus: Effect.Effect<WriterStatus | null> = Effect.map(
  Effect.serviceOption(FactoryConfig),
  Option.match({ onNone: () => null, onSome: (config) => writerStatusOf(config.llm) }),
)

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
  /** Where the writer runs (null: this process has no factory config to tell). */
  readonly writer: WriterStatus | null
}

export class FactoryStatus extends Context.Service<FactoryStatus, FactoryStatusShape>()("novel-factory/FactoryStatus") {
  /** For processes without a supervision tree (one-shot CLI commands). */
  static readonly standalone = (mode: string) =>
    Layer.effect(
      FactoryStatus,
      Effect.gen(function* () {
        const startedAt = yield* Clock.currentTimeMillis
        const writer = yield* currentWriterStatus
        return FactoryStatus.of({ version: packageVersion, mode, startedAt, supervision: Effect.succeed(null), dependencies: Effect.succeed([]), writer })
      }),
    )
}
