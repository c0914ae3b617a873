/**
 * banned_words_ko: a configurable Korean banned-word / slur list for the guard.
 *
 * The list is `words.txt` next to this file (edit it while the factory runs:
 * the next job uses it). Options (plugins.yaml, `options.banned_words_ko` or
 * per project `projects.<slug>.options.banned_words_ko`):
 *   words: [...]        more words (a project's `words` replaces the global `words`)
 *   extraWords: [...]   more words again (handy per project on top of global `words`)
 *   exclude: [...]      entries of words.txt this project allows (e.g. 지랄 in a gangster drama)
 *   prompt: false       do not tell the writer about the list
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { PluginContext, PluginPipeline } from "../../src/plugins/PluginApi.ts"

const list = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((w): w is string => typeof w === "string" && w.trim() !== "").map((w) => w.trim().normalize("NFC")) : []

export const parseWords = (text: string): ReadonlyArray<string> =>
  text.split("\n").map((l) => l.replace(/#.*$/, "").trim().normalize("NFC")).filter((l) => l.length > 0)

export const register = (pipeline: PluginPipeline): void => {
  // read once per load: editing words.txt changes the plugin's version, so it is loaded again
  const base = parseWords(readFileSync(join(pipeline.dir, "words.txt"), "utf8"))
  const wordsFor = (ctx: PluginContext): ReadonlyArray<string> => {
    const exclude = new Set(list(ctx.options["exclude"]))
    const all = [...base, ...list(ctx.options["words"]), ...list(ctx.options["extraWords"])].filter((w) => !exclude.has(w))
    return [...new Set(all)]
  }
  pipeline.bannedWords(wordsFor)
  pipeline.promptAdditions((ctx) =>
    ctx.options["prompt"] === false ? [] : ["욕설과 비하 표현(성별·지역·나이·장애·국적 비하어)은 대사에서도 쓰지 않는다. 거친 인물은 말투와 행동으로 드러낸다."]
  )
}
