/**
 * The operator's actions on a project's episodes: `retry`, `skip`, `cancel`, `hold`, `resume`;
 * and on a project: `delete --force`.
 * They act on the queue of the data directory (a running factory sees them at its next claim) and
 * are journalled as `OperatorActed` events, like the same actions taken through the API.
 */
import { Effect } from "effect"
import { FactoryConfig } from "../../config/FactoryConfig.ts"
import { EventBus } from "../../events/EventBus.ts"
import { deleteProject } from "../../factory/DeleteProject.ts"
import { makeOperator, type OperatorShape } from "../../factory/Operator.ts"
import { outlineStoreLayer } from "../../planner/OutlineStoreLayer.ts"
import { makeEventJournal } from "../../ops/journal/EventJournal.ts"
import { Database } from "../../sqlite/Database.ts"
import { booleanFlag, type Command, CommandFailed, type CommandIo, intFlag, type ParsedArgs, stringFlag, UsageError } from "../Command.ts"
import { type FactoryServices, withFactory } from "../FactoryContext.ts"
import { configOption, factoryOptions } from "./shared.ts"

const episodeOf = (raw: string) => {
  const n = Number(raw)
  return Number.isInteger(n) && n >= 1 ? Effect.succeed(n) : Effect.fail(new UsageError({ message: `'${raw}' is not an episode number (a whole number ≥ 1)` }))
}

type Failure = { readonly _tag: string; readonly message: string }
/** What the operator asked that cannot be done as asked (exit 2), as opposed to a state or an outage (exit 1). */
const USAGE_FAILURES = new Set(["JobNotFound", "ProjectNotFound", "DeleteRefused"])

/** Runs one action and journals what it did; unknown projects and jobs and refused deletes exit 2, a job in the wrong state 1. */
const act = <A>(args: ParsedArgs, io: CommandIo, run: (operator: OperatorShape) => Effect.Effect<A, Failure>, say: (a: A) => string) =>
  journalled(args, io, Effect.flatMap(makeOperator, run), say)

const journalled = <A>(args: ParsedArgs, io: CommandIo, action: Effect.Effect<A, Failure, FactoryServices>, say: (a: A) => string) =>
  withFactory(
    io,
    Effect.gen(function* () {
      const result = yield* action.pipe(
        Effect.mapError((e) => new CommandFailed({ message: e.message, exitCode: USAGE_FAILURES.has(e._tag) ? 2 : 1 })),
      )
      const acted = (yield* (yield* EventBus).recent()).filter((e) => e._tag === "OperatorActed")
      if (acted.length > 0) {
        const journal = yield* makeEventJournal(yield* Database).pipe(Effect.mapError((e) => new CommandFailed({ message: e.message, exitCode: 1 })))
        yield* journal.append(acted).pipe(Effect.mapError((e) => new CommandFailed({ message: e.message, exitCode: 1 })))
      }
      io.out(say(result))
      return 0
    }),
    factoryOptions(args),
  )

export const retryCommand: Command = {
  name: "retry",
  summary: "put a dead (or held) episode back in the queue, deliveries and findings reset",
  usage: "retry <slug> <episode>",
  details: "A dead episode holds its project: later episodes wait until it is retried or skipped.",
  options: { ...configOption },
  positionals: { min: 2, max: 2, names: ["slug", "episode"] },
  run: (args, io) =>
    Effect.flatMap(episodeOf(args.positionals[1]!), (n) =>
      act(args, io, (o) => o.retry(args.positionals[0]!, n), (job) => `${job.id}: back in the queue (${job.state})`)),
}

export const skipCommand: Command = {
  name: "skip",
  summary: "give up on a dead or queued episode: an explicit, visible gap; later episodes go on",
  usage: "skip <slug> <episode> --reason <text>",
  options: { reason: { type: "string", placeholder: "text", description: "why (kept with the job)" }, ...configOption },
  positionals: { min: 2, max: 2, names: ["slug", "episode"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const n = yield* episodeOf(args.positionals[1]!)
      const reason = stringFlag(args, "reason")?.trim()
      if (!reason) return yield* new UsageError({ message: "--reason is required: say why the episode is skipped" })
      return yield* act(args, io, (o) => o.skip(args.positionals[0]!, n, reason), (job) => `${job.id}: skipped (${reason})`)
    }),
}

export const cancelCommand: Command = {
  name: "cancel",
  summary: "remove a project's queued episodes (those no worker has claimed), all or from one on",
  usage: "cancel <slug> [--from <episode>]",
  options: { from: { type: "string", placeholder: "n", description: "first episode to cancel (default: all queued)" }, ...configOption },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const from = intFlag(args, "from", { min: 1 })
      if (from instanceof UsageError) return yield* from
      return yield* act(args, io, (o) => o.cancel(args.positionals[0]!, from), (c) =>
        c.episodes.length === 0 ? `${c.project}: nothing queued to cancel` : `${c.project}: cancelled episodes ${c.episodes.join(", ")}`)
    }),
}

export const holdCommand: Command = {
  name: "hold",
  summary: "stop handing out a project's episodes (jobs in flight finish) until resume",
  usage: "hold <slug> [--reason <text>]",
  options: { reason: { type: "string", placeholder: "text", description: "why (shown with the project)" }, ...configOption },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) =>
    act(args, io, (o) => o.hold(args.positionals[0]!, stringFlag(args, "reason")?.trim() || "held by the operator"), (c) =>
      c.changed ? `${c.project}: held` : `${c.project}: already held`),
}

export const resumeCommand: Command = {
  name: "resume",
  summary: "hand out a held project's episodes again",
  usage: "resume <slug>",
  options: { ...configOption },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) => act(args, io, (o) => o.resume(args.positionals[0]!), (c) => (c.changed ? `${c.project}: resumed` : `${c.project}: was not held`)),
}

export const deleteCommand: Command = {
  name: "delete",
  summary: "delete a project for good: its jobs, Bible, episodes and outline (ledger rows are kept); needs --force",
  usage: "delete <slug> --force",
  details:
    "Without --force it says what would go and exits 2. Jobs in flight are interrupted (their workers lose the lease). " +
    "The money already spent stays in the ledger and in finance reports. A delete cut short is finished by running it again. " +
    "The canary's reserved project cannot be deleted.",
  options: { force: { type: "boolean", description: "confirm: delete the project and everything kept of it" }, ...configOption },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) => {
    const slug = args.positionals[0]!
    const removal = Effect.gen(function* () {
      const config = yield* FactoryConfig
      return yield* deleteProject(slug, { force: booleanFlag(args, "force") }).pipe(Effect.provide(outlineStoreLayer(config.story)))
    })
    return journalled(args, io, removal, (d) =>
      `${d.project}: deleted (${d.episodes} episode${d.episodes === 1 ? "" : "s"}, ${d.jobs} job${d.jobs === 1 ? "" : "s"}${d.outline ? ", its outline" : ""}); ledger rows kept`)
  },
}
