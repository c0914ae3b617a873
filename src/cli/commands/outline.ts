/**
 * `novel-factory outline <slug>` — the arcs and beats of a story with their state — and the
 * operator's edits: `outline add|edit|remove|approve|add-arc|remove-arc …`; `novel-factory threads
 * <slug>` — the foreshadowing ledger. A project without an outline yet gets its template's (as the
 * worker would on its first episode), so beats can be edited before the first run.
 */
import { Effect, Option, Schema } from "effect"
import { FactoryConfig } from "../../config/FactoryConfig.ts"
import { type Beat, lastWrittenEpisode, type Outline } from "../../domain/Outline.ts"
import { Slug } from "../../domain/Project.ts"
import { OutlineStore } from "../../planner/OutlineStore.ts"
import type { OutlineFailure } from "../../planner/OutlineStore.ts"
import { OutlineUnavailable } from "../../planner/OutlineErrors.ts"
import { outlineStoreLayer } from "../../planner/OutlineStoreLayer.ts"
import { defaultPlanning } from "../../planner/PlanningConfig.ts"
import { payThread } from "../../planner/OutlineEdits.ts"
import { overdueThreads } from "../../planner/Threads.ts"
import { StoryStore } from "../../story/StoryStore.ts"
import { booleanFlag, type Command, CommandFailed, type CommandIo, type ParsedArgs, stringFlag, UsageError } from "../Command.ts"
import { type FactoryServices, withFactory } from "../FactoryContext.ts"
import { configOption, parseRange, table } from "./shared.ts"

const ACTIONS = ["add", "edit", "remove", "approve", "add-arc", "edit-arc", "remove-arc"] as const
type Action = (typeof ACTIONS)[number]

const checkSlug = (slug: string | undefined) =>
  slug !== undefined && Schema.is(Slug)(slug)
    ? Effect.succeed(slug)
    : Effect.fail(new UsageError({ message: slug === undefined ? "missing <slug>" : `'${slug}' is not a valid slug: use 1–64 characters of a-z, 0-9 and '-'` }))

const episodeArg = (raw: string | undefined, what = "<episode>") => {
  const n = Number(raw)
  return raw !== undefined && Number.isInteger(n) && n >= 1
    ? Effect.succeed(n)
    : Effect.fail(new UsageError({ message: `${what} must be an episode number ≥ 1, got '${raw ?? ""}'` }))
}

const listFlag = (args: ParsedArgs, name: string): ReadonlyArray<string> | undefined => {
  const raw = stringFlag(args, name)
  return raw === undefined ? undefined : raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
}

/** Edit errors are the operator's to fix (exit 1, the message names what); the store's outage too. */
const failed = (error: OutlineFailure | { readonly _tag: "StoreUnavailable"; readonly message: string }) =>
  new CommandFailed({ message: error.message, exitCode: 1 })

/** The project's outline, seeded from its template beats when it has none yet. */
const outlineOf = (slug: string) =>
  Effect.gen(function* () {
    const stories = yield* StoryStore
    const project = yield* stories.getProject(slug).pipe(Effect.mapError(failed))
    if (Option.isNone(project)) return yield* new CommandFailed({ message: `no project '${slug}' (see 'novel-factory status')`, exitCode: 2 })
    return yield* (yield* OutlineStore).seed(project.value).pipe(Effect.mapError(failed))
  })

/** Runs with the factory's services plus the outline store of its storage. */
const withOutline = <A, E>(io: CommandIo, args: ParsedArgs, effect: Effect.Effect<A, E, FactoryServices | OutlineStore>) =>
  withFactory(
    io,
    Effect.gen(function* () {
      const config = yield* FactoryConfig
      const provided: Effect.Effect<A, E | OutlineUnavailable, FactoryServices> = Effect.provide(effect, outlineStoreLayer(config.story))
      return yield* provided.pipe(Effect.mapError((e) => (e instanceof OutlineUnavailable ? failed(e) : e as E)))
    }),
    { configFile: stringFlag(args, "config") },
  )

/**
 * `<command> <action> <slug> …` runs the action; `<command> <slug>` shows the slug's outline view;
 * anything else names the actions.
 */
const actionOrShow = <Name extends string, E>(
  command: string,
  actions: ReadonlyArray<Name>,
  shown: string,
  args: ParsedArgs,
  io: CommandIo,
  runAction: (action: Name) => Effect.Effect<number, E, FactoryServices | OutlineStore>,
  show: (slug: string) => Effect.Effect<number, E, FactoryServices | OutlineStore>,
) => {
  const action = actions.find((a) => a === args.positionals[0])
  if (action !== undefined) return withOutline(io, args, runAction(action))
  if (args.positionals.length > 1) {
    return Effect.fail(new UsageError({ message: `unknown ${command} action '${args.positionals[0]}' (${actions.join(", ")}), or a slug alone to ${shown}` }))
  }
  return withOutline(io, args, Effect.gen(function* () { return yield* show(yield* checkSlug(args.positionals[0])) }))
}

const STATE_MARK: Record<Beat["state"], string> = { planned: "planned", approved: "approved", written: "written" }

const printOutline = (io: CommandIo, outline: Outline) => {
  io.out(`${outline.project} — ${outline.arcs.length} arc(s), ${outline.beats.length} beat(s), written through episode ${lastWrittenEpisode(outline)}`)
  for (const arc of outline.arcs) {
    io.out(`\n[${arc.id}] ${arc.title} (episodes ${arc.from}–${arc.to}, by ${arc.by})${arc.goal ? `\n  goal: ${arc.goal}` : ""}`)
    const beats = outline.beats.filter((b) => b.arc === arc.id)
    if (beats.length === 0) continue
    io.out(table(
      ["#", "state", "by", "title", "beat"],
      beats.map((b) => [String(b.episode), STATE_MARK[b.state], b.history.at(-1)!.by, b.title ?? "", b.text]),
    ))
  }
}

const runAction = (action: Action, args: ParsedArgs, io: CommandIo) =>
  Effect.gen(function* () {
    const [, rawSlug, second, third] = args.positionals
    const slug = yield* checkSlug(rawSlug)
    const store = yield* OutlineStore
    const run = <A>(effect: Effect.Effect<A, OutlineFailure>) => effect.pipe(Effect.mapError(failed))
    yield* outlineOf(slug)
    switch (action) {
      case "add": {
        const episode = yield* episodeArg(second)
        const text = third ?? stringFlag(args, "text")
        if (text === undefined || text.trim() === "") return yield* new UsageError({ message: "outline add needs the beat's text: outline add <slug> <episode> \"<beat>\"" })
        const title = stringFlag(args, "title")
        const characters = listFlag(args, "characters")
        const threads = listFlag(args, "threads")
        yield* run(store.addBeat(slug, episode, {
          text,
          ...(title === undefined ? {} : { title }),
          ...(characters === undefined ? {} : { characters }),
          ...(threads === undefined ? {} : { threads }),
        }, "operator"))
        io.out(`added the beat of episode ${episode} of ${slug}`)
        return 0
      }
      case "edit": {
        const episode = yield* episodeArg(second)
        const text = third ?? stringFlag(args, "text")
        const title = stringFlag(args, "title")
        const characters = listFlag(args, "characters")
        const threads = listFlag(args, "threads")
        if (text === undefined && title === undefined && characters === undefined && threads === undefined) {
          return yield* new UsageError({ message: "outline edit needs something to change: the new text, --title, --characters or --threads" })
        }
        yield* run(store.editBeat(slug, episode, {
          ...(text === undefined ? {} : { text }),
          ...(title === undefined ? {} : { title }),
          ...(characters === undefined ? {} : { characters }),
          ...(threads === undefined ? {} : { threads }),
        }, "operator"))
        io.out(`edited the beat of episode ${episode} of ${slug}`)
        return 0
      }
      case "remove": {
        const episode = yield* episodeArg(second)
        yield* run(store.removeBeat(slug, episode))
        io.out(`removed the beat of episode ${episode} of ${slug}`)
        return 0
      }
      case "approve": {
        if (second === undefined) return yield* new UsageError({ message: "outline approve needs an episode, a range or an arc id: outline approve <slug> 16-25" })
        if (!/^[\d\s.-]+$/.test(second)) {
          yield* run(store.approveArc(slug, second, "operator"))
          io.out(`approved the beats of arc '${second}' of ${slug}`)
          return 0
        }
        const range = parseRange(second)
        if (typeof range === "string") return yield* new UsageError({ message: `<episodes>: ${range}` })
        const outline = yield* run(store.approve(slug, range.from, range.to, "operator"))
        const approved = outline.beats.filter((b) => b.episode >= range.from && b.episode <= range.to && b.state !== "planned").length
        io.out(`approved episodes ${range.from}–${range.to} of ${slug} (${approved} beat(s) ready)`)
        return 0
      }
      case "add-arc": {
        const id = second
        if (id === undefined) return yield* new UsageError({ message: "outline add-arc needs an id: outline add-arc <slug> <id> --title <text> --from <n> --to <n>" })
        const title = stringFlag(args, "title")
        if (title === undefined) return yield* new UsageError({ message: "outline add-arc needs --title" })
        const from = yield* episodeArg(stringFlag(args, "from"), "--from")
        const to = yield* episodeArg(stringFlag(args, "to"), "--to")
        yield* run(store.addArc(slug, { id, title, goal: stringFlag(args, "goal") ?? "", from, to, by: "operator" }))
        io.out(`added arc '${id}' (episodes ${from}–${to}) to ${slug}`)
        return 0
      }
      case "edit-arc": {
        if (second === undefined) return yield* new UsageError({ message: "outline edit-arc needs the arc's id" })
        const title = stringFlag(args, "title")
        const goal = stringFlag(args, "goal")
        const from = stringFlag(args, "from") === undefined ? undefined : yield* episodeArg(stringFlag(args, "from"), "--from")
        const to = stringFlag(args, "to") === undefined ? undefined : yield* episodeArg(stringFlag(args, "to"), "--to")
        if (title === undefined && goal === undefined && from === undefined && to === undefined) {
          return yield* new UsageError({ message: "outline edit-arc needs something to change: --title, --goal, --from or --to" })
        }
        yield* run(store.editArc(slug, second, {
          ...(title === undefined ? {} : { title }),
          ...(goal === undefined ? {} : { goal }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        }, "operator"))
        io.out(`edited arc '${second}' of ${slug}`)
        return 0
      }
      case "remove-arc": {
        if (second === undefined) return yield* new UsageError({ message: "outline remove-arc needs the arc's id" })
        yield* run(store.removeArc(slug, second))
        io.out(`removed arc '${second}' and its unwritten beats from ${slug}`)
        return 0
      }
    }
  })

export const outlineCommand: Command = {
  name: "outline",
  summary: "show a story's arcs and beats, or add, edit, remove and approve them",
  usage: "outline <slug> [--json] | outline add|edit <slug> <episode> [\"<beat>\"] | outline remove <slug> <episode> | outline approve <slug> <n|from-to|arc-id> | outline add-arc <slug> <id> --title <text> --from <n> --to <n> | outline edit-arc <slug> <id> [--title] [--goal] [--from] [--to] | outline remove-arc <slug> <id>",
  details: [
    "Beats are planned | approved | written; a written beat (its episode committed) cannot change.",
    "A beat may carry markers: [사망: id], [생환: id], [관계: from-id TYPE to-id].",
    "With planning.review: approve, the factory holds a story on its first beat that is not approved.",
  ].join("\n"),
  options: {
    json: { type: "boolean", description: "print JSON" },
    text: { type: "string", placeholder: "beat", description: "the beat's text (instead of the positional)" },
    title: { type: "string", placeholder: "text", description: "episode title (add, edit) or arc title (add-arc, edit-arc)" },
    characters: { type: "string", placeholder: "ids", description: "comma-separated Bible ids the beat moves" },
    threads: { type: "string", placeholder: "ids", description: "comma-separated thread ids the beat moves" },
    goal: { type: "string", placeholder: "text", description: "the arc's goal (add-arc, edit-arc)" },
    from: { type: "string", placeholder: "n", description: "the arc's first episode (add-arc, edit-arc)" },
    to: { type: "string", placeholder: "n", description: "the arc's last episode (add-arc, edit-arc)" },
    ...configOption,
  },
  positionals: { min: 1, max: 4, names: ["slug", "episode", "beat", "extra"] },
  run: (args, io) =>
    actionOrShow("outline", ACTIONS, "show the outline", args, io, (action) => runAction(action, args, io), (slug) =>
      Effect.gen(function* () {
        const outline = yield* outlineOf(slug)
        if (booleanFlag(args, "json")) io.out(JSON.stringify(outline, null, 2))
        else printOutline(io, outline)
        return 0
      })),
}

const THREAD_ACTIONS = ["add", "pay", "remove"] as const

const runThreadAction = (action: (typeof THREAD_ACTIONS)[number], args: ParsedArgs, io: CommandIo) =>
  Effect.gen(function* () {
    const [, rawSlug, id, third] = args.positionals
    const slug = yield* checkSlug(rawSlug)
    if (id === undefined) return yield* new UsageError({ message: `threads ${action} needs the thread's id` })
    const store = yield* OutlineStore
    const outline = yield* outlineOf(slug)
    const run = <A>(effect: Effect.Effect<A, OutlineFailure>) => effect.pipe(Effect.mapError(failed))
    switch (action) {
      case "add": {
        if (third === undefined || third.trim() === "") return yield* new UsageError({ message: "threads add needs a description: threads add <slug> <id> \"<description>\" --planted <n>" })
        const plantedIn = yield* episodeArg(stringFlag(args, "planted"), "--planted")
        const payoff = stringFlag(args, "payoff") === undefined ? undefined : yield* episodeArg(stringFlag(args, "payoff"), "--payoff")
        if (outline.threads.some((t) => t.id === id)) return yield* new CommandFailed({ message: `${slug}: thread '${id}' already exists`, exitCode: 1 })
        yield* run(store.upsertThread(slug, { id, description: third, plantedIn, hints: [], ...(payoff === undefined ? {} : { plannedPayoff: payoff }), state: "open" }))
        io.out(`added thread '${id}' to ${slug}`)
        return 0
      }
      case "pay": {
        const episode = yield* episodeArg(third)
        yield* run(store.update(slug, (o) => payThread(o, id, episode)))
        io.out(`thread '${id}' of ${slug} is paid off in episode ${episode}`)
        return 0
      }
      case "remove": {
        yield* run(store.removeThread(slug, id))
        io.out(`removed thread '${id}' from ${slug}`)
        return 0
      }
    }
  })

export const threadsCommand: Command = {
  name: "threads",
  summary: "list a story's threads (the foreshadowing ledger), overdue ones marked; add, pay off or remove one",
  usage: "threads <slug> [--json] | threads add <slug> <id> \"<description>\" --planted <n> [--payoff <n>] | threads pay <slug> <id> <episode> | threads remove <slug> <id>",
  details: `A thread is overdue ${defaultPlanning.threadOverdueEpisodes} episodes past its planned payoff (planning.threadOverdueEpisodes).`,
  options: {
    json: { type: "boolean", description: "print JSON" },
    planted: { type: "string", placeholder: "n", description: "the episode that plants the thread (add)" },
    payoff: { type: "string", placeholder: "n", description: "the episode planned to pay it off (add)" },
    ...configOption,
  },
  positionals: { min: 1, max: 4, names: ["slug", "id", "description", "extra"] },
  run: (args, io) =>
    actionOrShow("threads", THREAD_ACTIONS, "list the threads", args, io, (action) => runThreadAction(action, args, io), (slug) =>
      Effect.gen(function* () {
        const outline = yield* outlineOf(slug)
        const last = lastWrittenEpisode(outline)
        const overdue = new Map(overdueThreads(outline, last, defaultPlanning.threadOverdueEpisodes).map((o) => [o.thread.id, o.overdueBy]))
        if (booleanFlag(args, "json")) {
          io.out(JSON.stringify({ lastWritten: last, threads: outline.threads.map((t) => ({ ...t, overdueBy: overdue.get(t.id) ?? null })) }, null, 2))
          return 0
        }
        io.out(`${slug} — ${outline.threads.length} thread(s), ${outline.threads.filter((t) => t.state === "open").length} open, ${overdue.size} overdue`)
        if (outline.threads.length > 0) {
          io.out(table(
            ["id", "state", "planted", "hints", "payoff", "description"],
            outline.threads.map((t) => [
              t.id,
              overdue.has(t.id) ? `OVERDUE +${overdue.get(t.id)}` : t.state,
              String(t.plantedIn),
              t.hints.join(",") || "-",
              t.paidOffIn !== undefined ? `paid ${t.paidOffIn}` : t.plannedPayoff !== undefined ? `due ${t.plannedPayoff}` : "-",
              t.description,
            ]),
          ))
        }
        return 0
      })),
}
