/**
 * The worker's one question to the planner: "what is episode n about?" — `beatFor(slug, n, bible)`.
 * It seeds the outline from the template on first use, plans the next arc whenever fewer than
 * `planning.aheadEpisodes` beats remain after the last committed episode, and answers the beat (with
 * its markers, for `extractBibleChanges`) and the next one — or a hold with a reason the operator can
 * act on: no beat could be planned, or (review mode) the beat waits for approval. It never loops and
 * never hands out an episode without a beat.
 */
import { Context, Effect, Layer, Option, Result } from "effect"
import type { Bible } from "../domain/Bible.ts"
import { type Arc, beatOfEpisode, lastPlannedEpisode, lastWrittenEpisode, type Outline } from "../domain/Outline.ts"
import { type StoreUnavailable, StoryStore } from "../story/StoryStore.ts"
import type { PlannedArc, PlannerFinding } from "./ArcPlan.ts"
import { appendArc } from "./OutlineEdits.ts"
import type { OutlineUnavailable } from "./OutlineErrors.ts"
import { OutlineStore } from "./OutlineStore.ts"
import { Planner } from "./Planner.ts"
import { PlanningSettings } from "./PlanningConfig.ts"

export type BeatAnswer =
  | {
    /** The beat as stored, markers included. */
    readonly beat: string
    /** The episode's title when the outline gives one. */
    readonly title: string | null
    /** The next episode's beat when it may be written (approved), else null. */
    readonly nextBeat: string | null
    /** The arc the beat belongs to, for the writer's "arc outline" layer. */
    readonly arc: { readonly title: string; readonly goal: string } | null
    /** What planning noticed on the way (refused LLM beats, fallbacks, a failed look-ahead). */
    readonly findings: ReadonlyArray<PlannerFinding>
  }
  | { readonly hold: string }

export const isHold = (answer: BeatAnswer): answer is { readonly hold: string } => "hold" in answer

/** At most this many arcs are planned in one call (an operator enqueueing far ahead is served over several calls). */
export const MAX_ARCS_PER_CALL = 4

export interface BeatSourceShape {
  readonly beatFor: (slug: string, episode: number, bible: Bible) => Effect.Effect<BeatAnswer, OutlineUnavailable | StoreUnavailable>
}

export class BeatSource extends Context.Service<BeatSource, BeatSourceShape>()("novel-factory/planner/BeatSource") {
  static readonly layer: Layer.Layer<BeatSource, never, OutlineStore | Planner | PlanningSettings | StoryStore> = Layer.effect(
    BeatSource,
    Effect.gen(function* () {
      const outlines = yield* OutlineStore
      const planner = yield* Planner
      const settings = yield* PlanningSettings
      const stories = yield* StoryStore

      const arcIdFor = (outline: Outline): string => {
        const ids = new Set(outline.arcs.map((a) => a.id))
        let n = outline.arcs.length + 1
        while (ids.has(`arc-${n}`)) n++
        return `arc-${n}`
      }

      /** Appends a planned arc unless someone else extended the outline meanwhile (then theirs stands). */
      const append = (slug: string, from: number, plan: PlannedArc) =>
        outlines.update(slug, (o, at) => {
          if (lastPlannedEpisode(o) + 1 !== from) return Result.succeed(o)
          const arc: Arc = { id: arcIdFor(o), title: plan.title, goal: plan.goal, from, to: from + plan.beats.length - 1, by: plan.by }
          return appendArc(o, arc, plan.beats, plan.threads, { by: plan.by, at }, settings.review === "approve" ? "planned" : "approved")
        })

      const beatFor = (slug: string, episode: number, bible: Bible) =>
        Effect.gen(function* () {
          const project = yield* stories.getProject(slug)
          if (Option.isNone(project)) return { hold: `no project '${slug}'` } satisfies BeatAnswer
          let outline = yield* outlines.seed(project.value)
          const lastCommitted = Math.max(episode - 1, lastWrittenEpisode(outline))
          const findings: Array<PlannerFinding> = []
          let failure: string | undefined
          let writtenTitles: ReadonlyArray<string> | undefined
          for (let i = 0; i < MAX_ARCS_PER_CALL; i++) {
            const planned = lastPlannedEpisode(outline)
            if (planned - lastCommitted >= settings.aheadEpisodes && planned >= episode) break
            const from = planned + 1
            writtenTitles ??= (yield* stories.listEpisodes(slug)).map((e) => e.title)
            const plan = yield* planner.planArc({ project: project.value, outline, bible, from, arcLength: settings.arcLength, writtenTitles }).pipe(Effect.result)
            if (Result.isFailure(plan)) {
              failure = plan.failure.message
              findings.push({ code: "planner.failed", message: failure })
              break
            }
            findings.push(...plan.success.findings)
            // An arc the outline refuses is a planner bug, not an outage: hold with the reason rather than retry it.
            outline = yield* append(slug, from, plan.success).pipe(
              Effect.catch((e) => {
                if (e._tag === "OutlineUnavailable") return Effect.fail(e)
                failure = `the planned arc could not join the outline: ${e.message}`
                findings.push({ code: "planner.rejected", message: failure })
                return Effect.succeed(outline)
              }),
            )
            if (failure !== undefined) break
          }
          for (const f of findings) yield* Effect.logWarning(`planner ${slug}: ${f.code}: ${f.message}`)
          const beat = beatOfEpisode(outline, episode)
          if (beat === undefined) {
            return {
              hold: failure === undefined
                ? `${slug}: no beat for episode ${episode} (add one: novel-factory outline add ${slug} ${episode} "<beat>")`
                : `${slug}: no beat for episode ${episode}: ${failure}`,
            } satisfies BeatAnswer
          }
          if (beat.state === "planned") {
            return { hold: `${slug}: the beat of episode ${episode} awaits approval (novel-factory outline approve ${slug} ${episode})` } satisfies BeatAnswer
          }
          const next = beatOfEpisode(outline, episode + 1)
          const arc = outline.arcs.find((a) => a.id === beat.arc)
          return {
            beat: beat.text,
            title: beat.title ?? null,
            nextBeat: next === undefined || next.state === "planned" ? null : next.text,
            arc: arc === undefined ? null : { title: arc.title, goal: arc.goal },
            findings,
          } satisfies BeatAnswer
        })

      return { beatFor }
    }),
  )
}
