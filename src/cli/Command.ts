import { Data, type Effect } from "effect"

/** A wrong command line: the message names what was wrong; the process exits 2. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** A failure the operator can act on (unknown project, unreachable server …): message, exit code. */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{
  readonly message: string
  readonly exitCode: number
}> {}

export interface OptionSpec {
  readonly type: "string" | "boolean"
  readonly short?: string
  readonly description: string
  /** Shown in help as `--flag <placeholder>`. */
  readonly placeholder?: string
  readonly multiple?: boolean
}

export interface ParsedArgs {
  readonly positionals: ReadonlyArray<string>
  readonly flags: Readonly<Record<string, string | boolean | ReadonlyArray<string> | undefined>>
}

export interface CommandIo {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  /** Standard input and output are a terminal (a dashboard can be shown). */
  readonly interactive?: boolean
}

/**
 * One CLI command as plain data plus its behaviour. `run` returns the exit code;
 * it fails with `UsageError` (exit 2) or `CommandFailed` (its own code).
 */
export interface Command {
  readonly name: string
  readonly summary: string
  /** e.g. `new <slug> --genre <name> [--title <text>]` */
  readonly usage: string
  readonly details?: string
  readonly options: Readonly<Record<string, OptionSpec>>
  readonly positionals: { readonly min: number; readonly max: number; readonly names: ReadonlyArray<string> }
  readonly subcommands?: ReadonlyArray<Command>
  readonly run: (args: ParsedArgs, io: CommandIo) => Effect.Effect<number, UsageError | CommandFailed>
}

export const stringFlag = (args: ParsedArgs, name: string): string | undefined => {
  const value = args.flags[name]
  return typeof value === "string" ? value : undefined
}

export const booleanFlag = (args: ParsedArgs, name: string): boolean => args.flags[name] === true

/** Parses an integer flag, naming the flag in the error. */
export const intFlag = (
  args: ParsedArgs,
  name: string,
  bounds: { readonly min?: number; readonly max?: number } = {},
): number | undefined | UsageError => {
  const raw = stringFlag(args, name)
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (!Number.isInteger(value)) return new UsageError({ message: `--${name} expects a whole number, got '${raw}'` })
  if (bounds.min !== undefined && value < bounds.min) {
    return new UsageError({ message: `--${name} must be at least ${bounds.min}, got ${value}` })
  }
  if (bounds.max !== undefined && value > bounds.max) {
    return new UsageError({ message: `--${name} must be at most ${bounds.max}, got ${value}` })
  }
  return value
}
