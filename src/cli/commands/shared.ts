import { booleanFlag, type OptionSpec, type ParsedArgs, stringFlag } from "../Command.ts"
import type { FactoryOptions } from "../FactoryContext.ts"
import { displayWidth, padEnd } from "../../text/Width.ts"

/** Options every command that opens the factory accepts. */
export const configOption: Record<string, OptionSpec> = {
  config: { type: "string", placeholder: "file", description: "config file (default: factory.yaml in FACTORY_HOME)" },
  init: { type: "boolean", description: "use FACTORY_HOME as a data directory even though it holds other files" },
}

/** How the command opens the factory, from its `--config` and `--init`. */
export const factoryOptions = (args: ParsedArgs): FactoryOptions => ({ configFile: stringFlag(args, "config"), init: booleanFlag(args, "init") })

/** Parses `3`, `1-10` or `1..10` into an inclusive range. */
export const parseRange = (raw: string): { from: number; to: number } | string => {
  const m = /^\s*(\d+)\s*(?:(?:-|\.\.)\s*(\d+))?\s*$/.exec(raw)
  if (!m) return `expected an episode number or a range like 1-10, got '${raw}'`
  const from = Number(m[1])
  const to = m[2] === undefined ? from : Number(m[2])
  if (from < 1) return `episodes start at 1, got ${from}`
  if (to < from) return `the range ${raw} ends before it starts`
  return { from, to }
}

/** A plain-text table whose columns line up with Korean text in them. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => padEnd(c, widths[i]!)).join("  ").trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}
