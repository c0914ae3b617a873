import { parseArgs } from "node:util"
import { type Command, type ParsedArgs, UsageError } from "./Command.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

const closest = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i)
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!
      row[0] = i
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
        previous = current
      }
    }
    return row[b.length]!
  }
  const best = candidates
    .map((c) => ({ c, d: distance(word, c) }))
    .sort((x, y) => x.d - y.d)[0]
  return best && best.d <= 2 ? best.c : undefined
}

export const suggest = (word: string, candidates: ReadonlyArray<string>): string => {
  const near = closest(word, candidates)
  return near ? ` (did you mean '${near}'?)` : ""
}

/** Strict parsing: an unknown flag, a missing value or a wrong number of arguments is a UsageError naming it. */
export const parseCommandArgs = (command: Command, argv: ReadonlyArray<string>): ParsedArgs | UsageError => {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {}
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) }
  }
  options["help"] = { type: "boolean", short: "h" }
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (error) {
    const message = errorMessage(error)
    const unknown = /Unknown option '([^']+)'/.exec(message)
    if (unknown) {
      const flag = unknown[1]!.replace(/^-+/, "")
      return new UsageError({
        message: `${command.name}: unknown option '${unknown[1]}'${suggest(flag, Object.keys(command.options))}`,
      })
    }
    return new UsageError({ message: `${command.name}: ${message.replace(/\. To specify .*$/s, "")}` })
  }
  const flags = parsed.values as ParsedArgs["flags"]
  if (flags["help"] === true) return { positionals: parsed.positionals, flags }
  const { min, max, names } = command.positionals
  if (parsed.positionals.length < min) {
    return new UsageError({ message: `${command.name}: missing <${names[parsed.positionals.length] ?? "argument"}>` })
  }
  if (parsed.positionals.length > max) {
    return new UsageError({ message: `${command.name}: unexpected argument '${parsed.positionals[max]}'` })
  }
  return { positionals: parsed.positionals, flags }
}
