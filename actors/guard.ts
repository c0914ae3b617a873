import { Effect } from "effect"
import type { Bible } from "../src/domain/Bible.ts"
import type { Episode, GuardVerdict } from "../src/domain/Episode.ts"
import type { Project } from "../src/domain/Project.ts"
import { guardDraft, type NamedGuardCheck } from "../src/guard/Guard.ts"

export interface GuardInput {
  readonly text: string
  readonly project: Project
  readonly bible: Bible
  readonly recent: ReadonlyArray<Episode>
  readonly acceptReward: number
  /** Plugins' banned words and checks (see `src/plugins/Plugins.ts`). */
  readonly extraBannedWords?: ReadonlyArray<string>
  readonly extraChecks?: ReadonlyArray<NamedGuardCheck>
}

/** The guard: deterministic checks of a draft against the Bible and the recent episodes. */
export const guardEpisode = Effect.fn("guard.check")(function* (input: GuardInput) {
  const verdict: GuardVerdict = guardDraft({
    text: input.text,
    project: input.project,
    bible: input.bible,
    recent: input.recent,
    options: { acceptThreshold: input.acceptReward },
    extraBannedWords: input.extraBannedWords ?? [],
    extraChecks: input.extraChecks ?? [],
  })
  return verdict
})
