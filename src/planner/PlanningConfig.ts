import { Context, Layer, Schema } from "effect"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * The `planning` section of `factory.yaml`:
 *
 * ```yaml
 * planning:
 *   aheadEpisodes: 10            # plan the next arc when fewer unwritten beats than this remain
 *   arcLength: { min: 10, max: 30 }
 *   review: auto                 # auto: planned arcs may be written at once; approve: the operator approves each beat first
 *   threadOverdueEpisodes: 10    # a thread this far past its planned payoff is reported overdue
 * ```
 */
export const PlanningConfig = Schema.Struct({
  aheadEpisodes: Schema.optionalKey(PositiveInt),
  arcLength: Schema.optionalKey(
    Schema.Struct({ min: PositiveInt, max: PositiveInt }).check(
      Schema.makeFilter((band) => band.min <= band.max ? undefined : { path: ["max"], issue: `max (${band.max}) must be at least min (${band.min})` }),
    ),
  ),
  review: Schema.optionalKey(Schema.Literals(["auto", "approve"])),
  threadOverdueEpisodes: Schema.optionalKey(PositiveInt),
})
export type PlanningConfig = typeof PlanningConfig.Type

export interface ResolvedPlanning {
  readonly aheadEpisodes: number
  readonly arcLength: { readonly min: number; readonly max: number }
  readonly review: "auto" | "approve"
  readonly threadOverdueEpisodes: number
}

export const defaultPlanning: ResolvedPlanning = {
  aheadEpisodes: 10,
  arcLength: { min: 10, max: 30 },
  review: "auto",
  threadOverdueEpisodes: 10,
}

/** The section with every default filled in (absent section: all defaults). */
export const resolvePlanning = (config: PlanningConfig | undefined): ResolvedPlanning => ({
  aheadEpisodes: config?.aheadEpisodes ?? defaultPlanning.aheadEpisodes,
  arcLength: config?.arcLength ?? defaultPlanning.arcLength,
  review: config?.review ?? defaultPlanning.review,
  threadOverdueEpisodes: config?.threadOverdueEpisodes ?? defaultPlanning.threadOverdueEpisodes,
})

/** The resolved settings as a service, so the lead can provide them from the factory config. */
export class PlanningSettings extends Context.Service<PlanningSettings, ResolvedPlanning>()("novel-factory/planner/PlanningSettings") {
  static readonly layer = (config: PlanningConfig | undefined): Layer.Layer<PlanningSettings> =>
    Layer.succeed(PlanningSettings, resolvePlanning(config))
}
