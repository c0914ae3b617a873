/**
 * The operator's actions on a project's episodes: `retry`, `skip`, `cancel`, `hold`, `resume`.
 * They act on the queue of the data directory (a running factory sees them at its next claim) and
 * are journalled as `OperatorActed` events, like the same actions taken through the API.
 */
import { Effect } from "effect"
import { EventBus } from "../../events/EventBus.ts"
import { makeOperator, type OperatorShape } from "../../factory/Operator.ts"
import { makeEventJournal } from "../../ops/journal/EventJournal.ts"
import { Database } from "../../sqlite/Database.ts"
import { type Command, CommandFailed, type CommandIo, intFlag, type ParsedArgs, stringFlag, UsageError } from "../Command.ts"
import { withFactory } from "../FactoryContext.ts"
import { configOption, factoryOptions } from "./shared.ts"

const episodeOf = (raw: string) => {
  const n = Number(raw)
  return Number.isInteger(n) && n >= 1 ? Effect.succeed(n) : Effect.fail(new UsageError({ message: `'${raw}' is not an episode number (a whole number ≥ 1)` }))
}

/** Runs one action and journals what it did; unknown projects and jobs exit 2, a job in the wrong state 1. */
const act = <A>(args: ParsedArgs, io: CommandIo, run: (operator: OperatorShape) => Effect.Effect<A, { readonly _tag: string; readonly message: string }>, say: (a: A) => string) =>
  withFactory(
    io,
    Effect.gen(function* () {
      const result = yield* run(yield* makeOperator).pipe(
        Effect.mapError((e) =>
          new CommandFailed({ message: e.message, exitCode: e._tag === "JobNotFound" || e._tag === "ProjectNotFound" ? 2 : 1 })
        ),
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
