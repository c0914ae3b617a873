import { Effect } from "effect"
import { type Command, CommandFailed, type CommandIo, intFlag, stringFlag, UsageError } from "../Command.ts"
import { type FactoryServices, withFactory } from "../FactoryContext.ts"
import { configOption, factoryOptions } from "./shared.ts"
import { EXPORT_FORMATS, type ExportFormat, exportBook, type ExportError, type ExportResult } from "../../export/Export.ts"

export interface ExportCommandDeps {
  readonly withFactory: <A, E>(
    io: CommandIo,
    effect: Effect.Effect<A, E, FactoryServices>,
    options?: { readonly configFile?: string | undefined },
  ) => Effect.Effect<A, E | CommandFailed>
}

const toCommandFailed = (error: ExportError | CommandFailed): CommandFailed => {
  switch (error._tag) {
    case "CommandFailed":
      return error
    // An unknown project is a wrong argument: exit 2, like any usage error.
    case "ExportProjectNotFound":
      return new CommandFailed({ message: `${error.message} ('novel-factory status' lists the projects)`, exitCode: 2 })
    // Nothing to export is not a usage error but not a success either: exit 1.
    case "NoEpisodes":
      return new CommandFailed({ message: error.message, exitCode: 1 })
    case "KoreanFontMissing":
    case "StoreUnavailable":
    case "ExportFailed":
      return new CommandFailed({ message: error.message, exitCode: 1 })
  }
}

const describeResult = (r: ExportResult): string => {
  const range = r.first === r.last ? `episode ${r.first}` : `episodes ${r.first}–${r.last}`
  const size = r.bytes >= 1024 * 1024 ? `${(r.bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.max(1, Math.round(r.bytes / 1024))} KiB`
  return r.format === "md"
    ? `wrote ${r.files.length} Markdown files (${range}, ${size}) — index: ${r.path}`
    : `wrote ${r.path} (${r.format.toUpperCase()}, ${range}, ${size})`
}

export const makeExportCommand = (deps: ExportCommandDeps): Command => ({
  name: "export",
  summary: "Export a project's committed episodes as EPUB, PDF or Markdown",
  usage: "export <slug> [--format epub|pdf|md] [--out <path>] [--from <n>] [--to <m>]",
  details: [
    "EPUB 3 (validated with epubcheck) and PDF (Korean font embedded, outline per episode, page numbers)",
    "are written to one file; Markdown to a directory: one file per episode and an index.md.",
    "Default output: ./<slug>.epub, ./<slug>.pdf or ./<slug>-md/.",
    "PDF needs the Noto Sans KR font package (@expo-google-fonts/noto-sans-kr) or NOVEL_FACTORY_PDF_FONT=<font.ttf>.",
    "Exit codes: 0 written; 1 nothing to export (no committed episodes in the range) or a write/font error; 2 unknown project or bad arguments.",
  ].join("\n"),
  options: {
    format: { type: "string", short: "f", description: "epub (default), pdf or md", placeholder: "epub|pdf|md" },
    out: { type: "string", short: "o", description: "output file (epub, pdf) or directory (md)", placeholder: "path" },
    from: { type: "string", description: "first episode number (default: the first)", placeholder: "n" },
    to: { type: "string", description: "last episode number (default: the last)", placeholder: "m" },
    ...configOption,
  },
  positionals: { min: 1, max: 1, names: ["slug"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const slug = args.positionals[0]!
      if (!/^[a-z0-9-]{1,64}$/.test(slug)) return yield* new UsageError({ message: `'${slug}' is not a project slug (a-z, 0-9 and '-')` })
      const format = (stringFlag(args, "format") ?? "epub").toLowerCase()
      if (!(EXPORT_FORMATS as ReadonlyArray<string>).includes(format)) {
        return yield* new UsageError({ message: `--format expects one of ${EXPORT_FORMATS.join(", ")}, got '${format}'` })
      }
      const from = intFlag(args, "from", { min: 1 })
      if (from instanceof UsageError) return yield* from
      const to = intFlag(args, "to", { min: 1 })
      if (to instanceof UsageError) return yield* to
      if (from !== undefined && to !== undefined && from > to) {
        return yield* new UsageError({ message: `--from ${from} is after --to ${to}` })
      }
      const result = yield* deps
        .withFactory(
          io,
          exportBook({ slug, format: format as ExportFormat, out: stringFlag(args, "out"), from, to, cwd: io.cwd, env: io.env }),
          factoryOptions(args),
        )
        .pipe(Effect.mapError(toCommandFailed))
      io.out(describeResult(result))
      return 0
    }),
})

export const exportCommand: Command = makeExportCommand({ withFactory })
