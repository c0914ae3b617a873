import { Clock, Effect, Option, Schema } from "effect"
import { FactoryConfig } from "../../config/FactoryConfig.ts"
import { EventBus } from "../../events/EventBus.ts"
import { describeInstanceLock, readInstanceLock } from "../../ops/instance/InstanceLock.ts"
import { Projects } from "../../factory/Projects.ts"
import { JobQueue } from "../../queue/JobQueue.ts"
import { describeBudget, readBudgetStatus } from "../../finance/BudgetReport.ts"
import { StoryStore } from "../../story/StoryStore.ts"
import { ProjectTitle, Slug } from "../../domain/Project.ts"
import { booleanFlag, type Command, CommandFailed, stringFlag, UsageError } from "../Command.ts"
import { withFactory } from "../FactoryContext.ts"
import { configOption, parseRange, table, factoryOptions } from "./shared.ts"

const checkSlug = (slug: string) =>
  Schema.is(Slug)(slug)
    ? Effect.succeed(slug)
    : Effect.fail(new UsageError({ message: `'${slug}' is not a valid slug: use 1–64 characters of a-z, 0-9 and '-'` }))

const checkTitle = (title: string | undefined) =>
  Effect.mapError(
    Schema.decodeUnknownEffect(Schema.UndefinedOr(ProjectTitle))(title),
    (error) => new UsageError({ message: `--title: ${error.message}` }),
  )

const storeFailure = (error: { readonly message: string }) => new CommandFailed({ message: error.message, exitCode: 1 })

const requireProject = (slug: string) =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    const project = yield* store.getProject(slug).pipe(Effect.mapError(storeFailure))
    if (Option.isNone(project)) return yield* new CommandFailed({ message: `no project '${slug}' (see 'novel-factory status')`, exitCode: 2 })
    return project.value
  })

export const newCommand: Command = {
  name: "new",
  summary: "create a project from a genre template",
  usage: "new <slug> --genre <name> [--title <text>]",
  details: "Genres are the templates in templates/genre/ (fantasy_kr, modern_noir, romance_comedy).",
  options: {
    genre: { type: "string", placeholder: "name", description: "genre template to seed the Bible from" },
    title: { type: "string", placeholder: "text", description: "title (default: the template's)" },
    ...configOption,
  },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const slug = yield* checkSlug(args.positionals[0]!)
      const genre = stringFlag(args, "genre")
      if (!genre) return yield* new UsageError({ message: "--genre is required (fantasy_kr, modern_noir, romance_comedy …)" })
      const title = yield* checkTitle(stringFlag(args, "title"))
      const project = yield* withFactory(
        io,
        Effect.gen(function* () {
          const projects = yield* Projects
          return yield* projects.create({ slug, genre, title })
        }).pipe(
          Effect.provide(Projects.layer),
          Effect.catchTags({
            ReservedSlug: (e) => Effect.fail(new UsageError({ message: e.message })),
            UnknownGenre: (e) => Effect.fail(new UsageError({ message: e.message })),
            ProjectExists: (e) => Effect.fail(new CommandFailed({ message: e.message, exitCode: 1 })),
            // a broken template is a broken input, like a bad flag
            TemplateError: (e) => Effect.fail(new CommandFailed({ message: e.message, exitCode: 2 })),
            StoreUnavailable: (e) => Effect.fail(storeFailure(e)),
          }),
        ),
        factoryOptions(args),
      )
      io.out(`created ${project.slug}: ${project.title} (${project.genre}, ${project.language}, ${project.beats.length} beats)`)
      io.out(`next: novel-factory enqueue ${project.slug} --episodes 1-10`)
      return 0
    }),
}

export const enqueueCommand: Command = {
  name: "enqueue",
  summary: "queue episodes of a project for writing",
  usage: "enqueue <slug> --episodes <n|from-to>",
  details: "Idempotent: episodes already queued or committed are not queued again.",
  options: {
    episodes: { type: "string", short: "e", placeholder: "range", description: "an episode number or a range such as 1-10" },
    ...configOption,
  },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const slug = yield* checkSlug(args.positionals[0]!)
      const raw = stringFlag(args, "episodes")
      if (!raw) return yield* new UsageError({ message: "--episodes is required, e.g. --episodes 1-10" })
      const range = parseRange(raw)
      if (typeof range === "string") return yield* new UsageError({ message: `--episodes: ${range}` })
      if (range.to - range.from >= 1000) return yield* new UsageError({ message: "--episodes: at most 1000 episodes at a time" })
      const result = yield* withFactory(
        io,
        Effect.gen(function* () {
          yield* requireProject(slug)
          const queue = yield* JobQueue
          const bus = yield* EventBus
          const episodes = Array.from({ length: range.to - range.from + 1 }, (_, i) => range.from + i)
          const enqueued = yield* queue.enqueue(slug, episodes).pipe(
            Effect.catchTags({
              EpisodeGap: (e) => Effect.fail(new CommandFailed({ message: e.message, exitCode: 1 })),
              QueueUnavailable: (e) => Effect.fail(storeFailure(e)),
            }),
          )
          const at = yield* Clock.currentTimeMillis
          for (const { job, created } of enqueued) {
            if (created) yield* bus.publish({ _tag: "JobEnqueued", at, job: job.id, project: slug, episode: job.episode })
          }
          return enqueued
        }),
        factoryOptions(args),
      )
      const created = result.filter((e) => e.created).length
      io.out(`queued ${created} episode(s) of ${slug}${result.length > created ? `; ${result.length - created} already queued or done` : ""}`)
      return 0
    }),
}

const fmtTime = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19)

export const episodesCommand: Command = {
  name: "episodes",
  summary: "list a project's committed episodes",
  usage: "episodes <slug> [--json]",
  options: { json: { type: "boolean", description: "print JSON" }, ...configOption },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) =>
    withFactory(
      io,
      Effect.gen(function* () {
        const slug = yield* checkSlug(args.positionals[0]!)
        const project = yield* requireProject(slug)
        const store = yield* StoryStore
        const episodes = yield* store.listEpisodes(slug).pipe(Effect.mapError(storeFailure))
        if (booleanFlag(args, "json")) {
          io.out(JSON.stringify(episodes, null, 2))
          return 0
        }
        io.out(`${project.title} (${slug}) — ${episodes.length} episode(s)`)
        if (episodes.length > 0) {
          io.out(table(
            ["#", "title", "chars", "reward", "drafts", "committed"],
            episodes.map((e) => [String(e.number), e.title, String(e.charCount), e.reward.toFixed(2), String(e.drafts), fmtTime(e.committedAt)]),
          ))
        }
        return 0
      }),
      factoryOptions(args),
    ),
}

export const showCommand: Command = {
  name: "show",
  summary: "print one committed episode with the guard's findings",
  usage: "show <slug> <n> [--json]",
  options: { json: { type: "boolean", description: "print JSON" }, ...configOption },
  positionals: { min: 2, max: 2, names: ["slug", "n"] },
  run: (args, io) =>
    withFactory(
      io,
      Effect.gen(function* () {
        const slug = yield* checkSlug(args.positionals[0]!)
        const n = Number(args.positionals[1])
        if (!Number.isInteger(n) || n < 1) return yield* new UsageError({ message: `<n> must be an episode number ≥ 1, got '${args.positionals[1]}'` })
        yield* requireProject(slug)
        const store = yield* StoryStore
        const episode = yield* store.getEpisode(slug, n).pipe(Effect.mapError(storeFailure))
        if (Option.isNone(episode)) return yield* new CommandFailed({ message: `episode ${n} of '${slug}' is not committed`, exitCode: 1 })
        const e = episode.value
        if (booleanFlag(args, "json")) {
          io.out(JSON.stringify(e, null, 2))
          return 0
        }
        io.out(`# 제${e.number}화 ${e.title}\n`)
        io.out(e.body)
        io.out(`\n— ${e.charCount} characters with spaces · reward ${e.reward.toFixed(2)} · ${e.drafts} draft(s) · committed ${fmtTime(e.committedAt)}`)
        io.out(`— summary: ${e.summary}`)
        if (e.findings.length > 0) {
          io.out(`— guard findings (${e.findings.length}):`)
          for (const f of e.findings) io.out(`  [${f.severity}] ${f.category}/${f.code}: ${f.message}${f.evidence ? ` «${f.evidence.text}»` : ""}`)
        }
        return 0
      }),
      factoryOptions(args),
    ),
}

export const bibleCommand: Command = {
  name: "bible",
  summary: "print a project's Bible, and the provisional facts of drafts not yet committed",
  usage: "bible <slug> [--json]",
  details: "Provisional facts come from a draft still in the pipeline: they join the Bible when its episode commits and vanish if its job dies.",
  options: { json: { type: "boolean", description: "print JSON" }, ...configOption },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) =>
    withFactory(
      io,
      Effect.gen(function* () {
        const slug = yield* checkSlug(args.positionals[0]!)
        yield* requireProject(slug)
        const store = yield* StoryStore
        const bible = yield* store.getBible(slug).pipe(Effect.mapError(storeFailure))
        const provisional = yield* store.provisionalFacts(slug).pipe(Effect.mapError(storeFailure))
        if (booleanFlag(args, "json")) {
          io.out(JSON.stringify({ bible, provisional }, null, 2))
          return 0
        }
        const staged = provisional.flatMap((f) => [...(f.changes.newCharacters ?? []), ...(f.changes.newPlaces ?? [])])
        const nameOf = new Map<string, string>(
          [...bible.characters, ...bible.places, ...bible.factions, ...bible.items, ...staged].map((x) => [x.id, x.name]),
        )
        const named = (id: string) => nameOf.get(id) ?? id
        const eventLine = (e: { readonly description: string; readonly place?: string | undefined }) =>
          `${e.description}${e.place ? ` @ ${named(e.place)}` : ""}`
        io.out(`characters (${bible.characters.length}):`)
        const since = new Map<string, number>()
        for (const r of bible.statusHistory ?? []) since.set(r.character, r.episode)
        for (const c of bible.characters) {
          const aliases = c.aliases.length > 0 ? ` (${c.aliases.join(", ")})` : ""
          const status = c.status === "alive" && !since.has(c.id)
            ? c.status
            : `${c.status}${c.statusNote ? ` (${c.statusNote})` : ""}${since.has(c.id) ? ` since ${since.get(c.id)}화` : ""}`
          const first = c.firstEpisode > 0 ? ` [from ${c.firstEpisode}화]` : ""
          io.out(`  ${c.name}${aliases} — ${c.role || "?"}, ${status}${c.traits.length > 0 ? `; ${c.traits.join(", ")}` : ""}${first}`)
        }
        io.out(`places: ${bible.places.map((p) => `${p.name}${p.firstEpisode !== undefined ? ` [from ${p.firstEpisode}화]` : ""}`).join(", ")}`)
        if (bible.factions.length > 0) io.out(`factions: ${bible.factions.map((f) => f.name).join(", ")}`)
        if (bible.items.length > 0) io.out(`items: ${bible.items.map((i) => i.name).join(", ")}`)
        io.out(`relations (${bible.relations.length}):`)
        for (const r of bible.relations) {
          io.out(`  ${named(r.from)} ${r.type} ${named(r.to)} (since ${r.since}${r.until !== undefined ? `, ended ${r.until}` : ""})`)
        }
        const facts = bible.facts ?? []
        if (facts.length > 0) {
          io.out(`facts (${facts.length}):`)
          for (const f of facts.slice(-10)) io.out(`  ${f.validFrom}화: ${f.text}${f.validTo !== undefined ? ` (until ${f.validTo})` : ""}`)
        }
        io.out(`events (${bible.events.length}):`)
        for (const e of bible.events.slice(-10)) io.out(`  ${e.episode}화: ${eventLine(e)}`)
        if (provisional.length === 0) {
          io.out("provisional: none (no draft in the pipeline)")
          return 0
        }
        for (const f of provisional) {
          const c = f.changes
          io.out(`provisional — episode ${f.episode}, draft ${f.draft}, staged ${fmtTime(f.stagedAt)}:`)
          io.out(`  appear: ${c.appearances.map(named).join(", ") || "—"}`)
          for (const e of c.events) io.out(`  event: ${eventLine(e)}`)
          for (const n of c.newCharacters ?? []) io.out(`  new character: ${n.name}${n.role ? ` (${n.role})` : ""}`)
          for (const p of c.newPlaces ?? []) io.out(`  new place: ${p.name}`)
          for (const s of c.statusChanges) io.out(`  status: ${named(s.character)} → ${s.status}${s.note ? ` (${s.note})` : ""}`)
          for (const r of c.newRelations) io.out(`  relation: ${named(r.from)} ${r.type} ${named(r.to)}`)
          for (const r of c.endedRelations ?? []) io.out(`  relation ended: ${named(r.from)} ${r.type} ${named(r.to)}`)
        }
        return 0
      }),
      factoryOptions(args),
    ),
}

export const statusCommand: Command = {
  name: "status",
  summary: "projects, queue depth and recent results of the factory's data",
  usage: "status [--json]",
  options: { json: { type: "boolean", description: "print JSON" }, ...configOption },
  positionals: { min: 0, max: 0, names: [] },
  run: (args, io) =>
    withFactory(
      io,
      Effect.gen(function* () {
        const store = yield* StoryStore
        const queue = yield* JobQueue
        const projects = yield* store.listProjects.pipe(Effect.mapError(storeFailure))
        const stats = yield* queue.stats.pipe(Effect.mapError(storeFailure))
        const dead = yield* queue.list({ states: ["dead"], limit: 10 }).pipe(Effect.mapError(storeFailure))
        const active = yield* queue.list({ states: ["writing", "guarding", "editing"], limit: 50 }).pipe(Effect.mapError(storeFailure))
        const config = yield* FactoryConfig
        const instance = config.queue.kind === "sqlite"
          ? Option.flatten(yield* Effect.option(readInstanceLock(config.home)))
          : Option.none()
        const budget = yield* readBudgetStatus(config.finance)
        const held = (yield* queue.projectStates().pipe(Effect.mapError(storeFailure))).filter((p) => p.held !== null)
        if (booleanFlag(args, "json")) {
          io.out(JSON.stringify({ queue: stats, instance: Option.getOrNull(instance), projects, held, active, dead, budget: Option.getOrNull(budget) }, null, 2))
          return 0
        }
        if (config.queue.kind === "sqlite") io.out(describeInstanceLock(instance, yield* Clock.currentTimeMillis))
        io.out(
          `queue: ${stats.queued} queued · ${stats.inFlight} in flight · ${stats.committed} committed · ${stats.dead} dead` +
            (stats.skipped > 0 ? ` · ${stats.skipped} skipped` : "") + (stats.held > 0 ? ` · ${stats.held} projects held` : ""),
        )
        if (Option.isSome(budget)) io.out(describeBudget(budget.value))
        if (projects.length === 0) io.out("no projects yet: novel-factory new <slug> --genre fantasy_kr")
        else {
          io.out(table(
            ["project", "title", "genre", "episodes", "last"],
            projects.map((p) => [p.project.slug, p.project.title, p.project.genre, String(p.episodes), String(p.lastEpisode)]),
          ))
        }
        for (const job of active) io.out(`in flight: ${job.id} (${job.state}, delivery ${job.deliveries})`)
        for (const job of dead) io.out(`dead: ${job.id} — ${job.reason ?? "no reason recorded"}`)
        for (const p of held) {
          const hold = p.held!
          io.out(
            hold.by === "dead-episode"
              ? `held: ${p.project} behind dead episode ${hold.episode} — retry or skip it (novel-factory retry ${p.project} ${hold.episode})`
              : `held: ${p.project} by the operator — ${hold.reason} (novel-factory resume ${p.project})`,
          )
        }
        return 0
      }),
      factoryOptions(args),
    ),
}

