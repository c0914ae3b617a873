/** The Bibles of the genre templates, as a new project starts with them. */
import { Effect } from "effect"
import type { Bible } from "../../src/domain/Bible.ts"
import { loadTemplate, projectFromTemplate } from "../../src/templates/TemplateLoader.ts"
import type { Genre } from "./corpus.ts"

export const templateBible = (genre: Genre): Promise<Bible> =>
  Effect.runPromise(loadTemplate(genre)).then((loaded) => projectFromTemplate(loaded.template, { slug: "t", seed: 1, now: 0 }).bible)

export const templateBibles = async (): Promise<Readonly<Record<Genre, Bible>>> => ({
  fantasy_kr: await templateBible("fantasy_kr"),
  modern_noir: await templateBible("modern_noir"),
  romance_comedy: await templateBible("romance_comedy"),
})
