/**
 * The planner stage: plans the next arc of a story. Two implementations, chosen like every stage by
 * `stageRoute(config, "planner")`: the $0 offline composer and the LLM (which falls back to the
 * offline composer itself when its answers stay unusable). A planner that cannot plan at all (the
 * model unreachable) fails with `PlannerFailed`; the caller holds the project.
 */
import { Context, Data, Effect, Layer } from "effect"
import { LanguageModel } from "../llm/LanguageModel.ts"
import { type LlmConfig, stageRoute } from "../llm/LlmConfig.ts"
import type { PlannedArc, PlanRequest } from "./ArcPlan.ts"
import { type LlmPlannerOptions, planArcLlm } from "./LlmPlanner.ts"
import { planArcOffline } from "./OfflinePlanner.ts"

export class PlannerFailed extends Data.TaggedError("PlannerFailed")<{ readonly message: string; readonly cause?: unknown }> {}

export interface PlannerShape {
  readonly planArc: (request: PlanRequest) => Effect.Effect<PlannedArc, PlannerFailed>
}

export class Planner extends Context.Service<Planner, PlannerShape>()("novel-factory/planner/Planner") {
  static readonly offline: Layer.Layer<Planner> = Layer.succeed(Planner, { planArc: (request) => Effect.sync(() => planArcOffline(request)) })

  static readonly llm = (options: LlmPlannerOptions = {}): Layer.Layer<Planner, never, LanguageModel> =>
    Layer.effect(
      Planner,
      Effect.gen(function* () {
        const model = yield* LanguageModel
        return {
          planArc: (request: PlanRequest) =>
            planArcLlm(request, options).pipe(
              Effect.provideService(LanguageModel, model),
              Effect.mapError((e) => new PlannerFailed({ message: `the LLM planner failed: ${e.message}`, cause: e })),
            ),
        }
      }),
    )

  /** The implementation `llm.stages.planner` routes to. */
  static readonly layerFor = (config: LlmConfig, options?: LlmPlannerOptions): Layer.Layer<Planner, never, LanguageModel> =>
    stageRoute(config, "planner").kind === "offline" ? Planner.offline : Planner.llm(options)
}
