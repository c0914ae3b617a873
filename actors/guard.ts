import { Effect } from "effect"
import type { Bible } from "../src/domain/Bible.ts"
import type { Episode, GuardVerdict } from "../src/domain/Episode.ts"
import type { Project } from "../src/domain/Project.ts"
import { type EpisodeFingerprint, type GuardInput as CheckInput, type NamedGuardCheck, withExtraChecks } from "../src/guard/Guard.ts"
import { Stages } from "../src/pipeline/Stages.ts"

export interface GuardInput {
  readonly text: string
  /** The job's episode number. */
  readonly episode: number
  readonly project: Project
  readonly bible: Bible
  readonly recent: ReadonlyArray<Episode>
  /** Fingerprints of every committed episode (`fingerprintEpisode`), for copies of old episodes. */
  readonly history?: ReadonlyArray<EpisodeFingerprint>
  readonly acceptReward: number
  /** Plugins' banned words and checks (see `src/plugins/Plugins.ts`). */
  readonly extraBannedWords?: ReadonlyArray<string>
  readonly extraChecks?: ReadonlyArray<NamedGuardCheck>
}

/**
 * The guard: deterministic checks of a draft against the Bible and the recent episodes. The
 * built-in checks run where the stages run (maybe another thread); plugin checks run here.
 */
export const guardEpisode = Effect.fn("guard.check")(function* (input: GuardInput) {
  const stages = yield* Stages
  const checked: CheckInput = {
    text: input.text,
    episode: input.episode,
    project: input.project,
    bible: input.bible,
    recent: input.recent,
    ...(input.history === undefined ? {} : { history: input.history }),
    options: { acceptThreshold: input.acceptReward },
    extraBannedWords: input.extraBannedWords ?? [],
    extraChecks: input.extraChecks ?? [],
  }
  // What the checks read of the recent episodes and of the Bible: all of it crosses to a stage
  // thread, and the Bible's events and relations (which no check reads) grow with every episode.
  const recent = input.recent.map((e) => ({ number: e.number, body: e.body, summary: e.summary }))
  const { characters, places, factions, items, worldRules } = input.bible
  const { extraChecks: _, ...rest } = checked
  const verdict: GuardVerdict = withExtraChecks(
    yield* stages.guard({ ...rest, bible: { characters, places, factions, items, worldRules }, recent }),
    checked,
  )
  return verdict
})
