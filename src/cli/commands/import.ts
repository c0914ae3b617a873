import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect, Layer, Schema } from "effect"
import { storyStagesLayer } from "../../analyst/StoryStagesLayer.ts"
import { FactoryConfig } from "../../config/FactoryConfig.ts"
import { ProjectTitle, Slug } from "../../domain/Project.ts"
import { importManuscript, type ManuscriptEpisode, splitManuscript } from "../../factory/ImportManuscript.ts"
import { outlineStoreLayer } from "../../planner/OutlineStoreLayer.ts"
import { languageModelLayer } from "../../runtime/Infrastructure.ts"
import { type Command, CommandFailed, stringFlag, UsageError } from "../Command.ts"
import { withFactory } from "../FactoryContext.ts"
import { configOption, factoryOptions } from "./shared.ts"

/** The episodes of a manuscript: one Markdown file split at its `# ` headings, or a directory's `.md` files in natural order (a file each). */
export const readManuscript = (path: string): Array<ManuscriptEpisode> | UsageError => {
  if (!existsSync(path)) return new UsageError({ message: `no file or directory ${path}` })
  if (!statSync(path).isDirectory()) return splitManuscript(readFileSync(path, "utf8"))
  const files = readdirSync(path)
    .filter((f) => f.toLowerCase().endsWith(".md"))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  return files.map((f) => {
    const parts = splitManuscript(readFileSync(join(path, f), "utf8"))
    return { title: parts[0]?.title ?? "", body: parts.map((p) => p.body).join("\n\n") }
  }).filter((e) => e.body !== "")
}

export const importCommand: Command = {
  name: "import",
  summary: "seed a project from a manuscript already written: its Bible and outline, then the factory continues",
  usage: "import <slug> --genre <name> <dir|file.md> [--title <text>]",
  details: [
    "The episodes (a directory's .md files in natural order, or one file split at its '# ' headings) are analysed in",
    "order — the configured analyst (llm.stages.analyst) — and committed with their summaries; the Bible learns their",
    "characters, places, deaths and relations, and the outline gets one written beat per episode. Then queue the next",
    "episodes as usual (enqueue <slug> --episodes N+1-…): the planner continues the outline from the story so far.",
  ].join("\n"),
  options: {
    genre: { type: "string", placeholder: "name", description: "genre template for the world (premise, tone, rules, cast)" },
    title: { type: "string", placeholder: "text", description: "title (default: the template's)" },
    ...configOption,
  },
  positionals: { min: 2, max: 2, names: ["slug", "manuscript"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const slug = args.positionals[0]!
      if (!Schema.is(Slug)(slug)) return yield* new UsageError({ message: `'${slug}' is not a valid slug: use 1–64 characters of a-z, 0-9 and '-'` })
      const genre = stringFlag(args, "genre")
      if (!genre) return yield* new UsageError({ message: "--genre is required (fantasy_kr, modern_noir, romance_comedy …)" })
      const title = yield* Schema.decodeUnknownEffect(Schema.UndefinedOr(ProjectTitle))(stringFlag(args, "title")).pipe(
        Effect.mapError((error) => new UsageError({ message: `--title: ${error.message}` })),
      )
      const episodes = readManuscript(resolve(io.cwd, args.positionals[1]!))
      if (episodes instanceof UsageError) return yield* episodes
      if (episodes.length === 0) return yield* new UsageError({ message: `${args.positionals[1]} holds no episode (Markdown text)` })
      const imported = yield* withFactory(
        io,
        Effect.gen(function* () {
          const config = yield* FactoryConfig
          // The outline store, and the analyst and summary the config routes (the LLM ones book their calls).
          const stages = storyStagesLayer(config.llm).pipe(Layer.provideMerge(languageModelLayer(config)))
          return yield* importManuscript({ slug, genre, title, episodes }).pipe(
            Effect.provide(Layer.merge(outlineStoreLayer(config.story), stages)),
          )
        }).pipe(
          Effect.catchTags({
            UnknownGenre: (e) => Effect.fail(new UsageError({ message: e.message })),
            ProjectExists: (e) => Effect.fail(new CommandFailed({ message: e.message, exitCode: 1 })),
            TemplateError: (e) => Effect.fail(new CommandFailed({ message: e.message, exitCode: 2 })),
          }),
          Effect.mapError((e) => (e instanceof UsageError || e instanceof CommandFailed ? e : new CommandFailed({ message: e.message, exitCode: 1 }))),
        ),
        factoryOptions(args),
      )
      io.out(`imported ${imported.episodes} episodes into ${imported.project.slug} (${imported.project.title}); the Bible learned ${imported.introduced} characters and places`)
      io.out(`next: novel-factory enqueue ${imported.project.slug} --episodes ${imported.episodes + 1}-${imported.episodes + 10}`)
      return 0
    }),
}
