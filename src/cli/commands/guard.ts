import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { Effect, Option } from "effect"
import { formatVerdict, verdictJson } from "../../guard/Findings.ts"
import { fingerprintEpisode, guardDraft } from "../../guard/Guard.ts"
import { StoryStore } from "../../story/StoryStore.ts"
import { booleanFlag, type Command, CommandFailed, intFlag, stringFlag, UsageError } from "../Command.ts"
import { withFactory } from "../FactoryContext.ts"
import { configOption, factoryOptions } from "./shared.ts"

/** How many committed episodes a text is compared against, as the pipeline's guard does. */
const RECENT = 3

export const guardCommand: Command = {
  name: "guard",
  summary: "run the guard on a text against a project's Bible and print findings and reward",
  usage: "guard <slug> <file.md> [--episode n] [--json]",
  details:
    "The text is checked as episode n (default: the one after the last committed), against the Bible, the recent episodes and " +
    "every committed episode before n (copies). Exit 0 when the guard accepts the text, 1 when it rejects it (findings printed " +
    "with evidence), 2 for bad input.",
  options: {
    json: { type: "boolean", description: "print the verdict as JSON" },
    episode: { type: "string", placeholder: "n", description: "the episode the text is meant to be (default: the next one)" },
    ...configOption,
  },
  positionals: { min: 2, max: 2, names: ["slug", "file.md"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const [slug, file] = args.positionals as [string, string]
      const episodeFlag = intFlag(args, "episode", { min: 1 })
      if (episodeFlag instanceof UsageError) return yield* episodeFlag
      const path = resolve(io.cwd, file)
      const text = yield* Effect.try({
        try: () => readFileSync(path, "utf8"),
        catch: (error) => new UsageError({ message: `cannot read ${file}: ${(error as Error).message}` }),
      })
      return yield* withFactory(
        io,
        Effect.gen(function* () {
          const store = yield* StoryStore
          const failed = (e: { readonly message: string }) => new CommandFailed({ message: e.message, exitCode: 1 })
          const project = yield* store.getProject(slug).pipe(Effect.mapError(failed))
          if (Option.isNone(project)) return yield* new CommandFailed({ message: `no project '${slug}'`, exitCode: 2 })
          const bible = yield* store.getBible(slug).pipe(Effect.mapError(failed))
          const committed = yield* store.listEpisodes(slug).pipe(Effect.mapError(failed))
          const episode = episodeFlag ?? committed.reduce((n, e) => Math.max(n, e.number), 0) + 1
          const recent = (yield* store.recentEpisodes(slug, RECENT).pipe(Effect.mapError(failed))).filter((e) => e.number < episode)
          // every committed episode before this one, fingerprinted here (the command is no hot path)
          const history: Array<{ number: number; sentences: ReadonlyArray<number> }> = []
          for (const e of committed) {
            if (e.number >= episode) continue
            const body = yield* store.getEpisode(slug, e.number).pipe(Effect.mapError(failed))
            if (Option.isSome(body)) history.push({ number: e.number, sentences: fingerprintEpisode(body.value.body) })
          }
          const verdict = guardDraft({ text, episode, project: project.value, bible, recent, history })
          io.out(booleanFlag(args, "json") ? verdictJson(verdict) : formatVerdict(verdict, { text }))
          return verdict.accepted ? 0 : 1
        }),
        factoryOptions(args),
      )
    }),
}
