import type { worlds } from "./worlds.ts"

/** One passage of the labelled guard corpus, as `manifest.json` lists it. */
export interface CorpusEntry {
  readonly file: string
  readonly world: keyof typeof worlds
  readonly older?: ReadonlyArray<string>
  readonly recent: ReadonlyArray<string>
  readonly episode?: number
  readonly expect: ReadonlyArray<string>
  readonly kind?: string
  /** Warnings the passage must get (`ending.no-hook`, `ending.monotonous`): it stays a good passage. */
  readonly warn?: ReadonlyArray<string>
  /** The ending's kind, labelled by hand (see `src/guard/Ending.ts`): `flat` or the kind of hook. */
  readonly ending?: string
}
