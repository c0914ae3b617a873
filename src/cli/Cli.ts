import { Cause, Effect, Exit, Fiber } from "effect"
import type { Command, CommandIo } from "./Command.ts"
import { commandHelp, programHelp } from "./Help.ts"
import { parseCommandArgs, suggest } from "./Parse.ts"

export const PROGRAM = "novel-factory"

/** The signals that stop a command cleanly (a closed terminal sends SIGHUP). */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const

const resolve = (
  commands: ReadonlyArray<Command>,
  argv: ReadonlyArray<string>,
  path: ReadonlyArray<string>,
): { command: Command; rest: ReadonlyArray<string>; path: ReadonlyArray<string> } | { unknown: string; path: ReadonlyArray<string>; among: ReadonlyArray<Command> } => {
  const [name, ...rest] = argv
  const command = commands.find((c) => c.name === name)
  if (!command) return { unknown: name ?? "", path, among: commands }
  const next = rest[0]
  if (command.subcommands && next !== undefined && !next.startsWith("-")) {
    const sub = resolve(command.subcommands, rest, [...path, command.name])
    if ("command" in sub) return sub
    return { unknown: next, path: [...path, command.name], among: command.subcommands }
  }
  return { command, rest, path: [...path, command.name] }
}

/**
 * Runs one command line to its exit code: 0 success, 2 a usage error (named), other codes
 * from the command. SIGINT, SIGTERM and SIGHUP interrupt the command so that it shuts down cleanly
 * (exit 0 after SIGTERM, 130 after the others); a second signal kills the process at once.
 */
export const runCli = async (
  commands: ReadonlyArray<Command>,
  version: string,
  argv: ReadonlyArray<string>,
  io: CommandIo,
): Promise<number> => {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    const topic = argv[0] === "help" ? argv[1] : undefined
    const command = topic ? commands.find((c) => c.name === topic) : undefined
    io.out(command ? commandHelp(PROGRAM, command) : programHelp(PROGRAM, version, commands))
    return argv.length === 0 ? 2 : 0
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    io.out(version)
    return 0
  }
  const found = resolve(commands, argv, [])
  if (!("command" in found)) {
    const where = found.path.length > 0 ? `${found.path.join(" ")} ` : ""
    const hint = suggest(found.unknown, found.among.map((c) => c.name))
    io.err(`${PROGRAM}: unknown command '${where}${found.unknown}'${hint}. Run '${PROGRAM} ${where}--help'.`)
    return 2
  }
  const { command } = found
  const usage = `${found.path.slice(0, -1).concat(command.usage).join(" ")}`
  const parsed = parseCommandArgs(command, found.rest)
  if ("_tag" in parsed) {
    io.err(`${PROGRAM} ${parsed.message}`)
    io.err(`Usage: ${PROGRAM} ${usage}`)
    return 2
  }
  if (parsed.flags["help"] === true) {
    io.out(commandHelp(PROGRAM, { ...command, usage }))
    return 0
  }
  const fiber = Effect.runFork(command.run(parsed, io))
  let stoppedBy: NodeJS.Signals | undefined
  const stop = (signal: NodeJS.Signals) => {
    stoppedBy = signal
    Effect.runFork(Fiber.interrupt(fiber))
  }
  for (const signal of STOP_SIGNALS) process.once(signal, stop)
  try {
    const exit = await Effect.runPromise(Fiber.await(fiber))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = exit.cause.reasons.find(Cause.isFailReason)
    if (failure) {
      const error = failure.error
      if (error._tag === "UsageError") {
        io.err(`${PROGRAM} ${command.name}: ${error.message}`)
        io.err(`Usage: ${PROGRAM} ${usage}`)
        return 2
      }
      io.err(`${PROGRAM} ${command.name}: ${error.message}`)
      return error.exitCode
    }
    // A service manager's stop (SIGTERM) that shut down cleanly is a success; Ctrl-C keeps the shell's 130.
    if (Cause.hasInterruptsOnly(exit.cause)) return stoppedBy === "SIGTERM" ? 0 : 130
    io.err(`${PROGRAM} ${command.name}: unexpected failure\n${Cause.pretty(exit.cause)}`)
    return 1
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, stop)
  }
}
