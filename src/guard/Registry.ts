/**
 * Every built-in guard check, in the order their findings are listed. One module per family of
 * finding codes (`checks/<Family>.ts`: `length.*`, `banned-word`, `language.*`, `name.*` and
 * `place.*`, `character.*`, `repetition.*`, `style.point-of-view`, `plot.*`, `ending.*`); a new
 * check goes in its family's module and in this list, with a labelled case in `test/guard/corpus/`.
 */
import type { GuardCheck } from "./Context.ts"
import { bannedWordCheck } from "./checks/BannedWord.ts"
import { aliasSwapCheck, deadCharacterCheck, traitContradictionCheck } from "./checks/Character.ts"
import { monotonousEndingCheck, noHookCheck } from "./checks/Ending.ts"
import { hangulShareCheck } from "./checks/Language.ts"
import { lengthCheck } from "./checks/Length.ts"
import { unknownNameCheck, unknownPlaceCheck } from "./checks/NamesAndPlaces.ts"
import { aheadOfOutlineCheck } from "./checks/Plot.ts"
import { pointOfViewCheck } from "./checks/PointOfView.ts"
import { copyCheck, distinctNCheck, internalRepetitionCheck, recentRepetitionCheck, retellCheck } from "./checks/Repetition.ts"

export interface RegisteredCheck {
  /** Names the check where it fails (a crash report, a timing). */
  readonly name: string
  readonly check: GuardCheck
}

export const builtinChecks: ReadonlyArray<RegisteredCheck> = [
  { name: "length", check: lengthCheck },
  { name: "banned-words", check: bannedWordCheck },
  { name: "hangul-share", check: hangulShareCheck },
  { name: "unknown-names", check: unknownNameCheck },
  { name: "dead-characters", check: deadCharacterCheck },
  { name: "recent-repetition", check: recentRepetitionCheck },
  { name: "internal-repetition", check: internalRepetitionCheck },
  { name: "point-of-view", check: pointOfViewCheck },
  { name: "copy", check: copyCheck },
  { name: "unknown-places", check: unknownPlaceCheck },
  { name: "alias-swaps", check: aliasSwapCheck },
  { name: "trait-contradictions", check: traitContradictionCheck },
  { name: "ahead-of-outline", check: aheadOfOutlineCheck },
  { name: "retell", check: retellCheck },
  { name: "distinct-n", check: distinctNCheck },
  { name: "ending-hook", check: noHookCheck },
  { name: "ending-monotonous", check: monotonousEndingCheck },
]
