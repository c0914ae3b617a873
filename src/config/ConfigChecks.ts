/**
 * The checks of a decoded config that its schema cannot express: a cron expression that
 * parses (in its time zone), genres that have a template, a back-off whose cap is not below
 * its base. Run at load, so a mistake fails `novel-factory` at once with the file, line and
 * key instead of surfacing hours later in the actor that first uses the value.
 */
import { readdirSync } from "node:fs"
import { basename, extname } from "node:path"
import { Cron, Result } from "effect"
import { DEFAULT_SCHEDULE } from "../backup/BackupConfig.ts"
import { defaultTemplateDir } from "../templates/TemplateLoader.ts"
import type { FactoryConfigData } from "./FactoryConfig.ts"

export interface ConfigProblem {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/** The genres with a template in `dir` (file names without extension), sorted. */
export const knownGenres = (dir: string = defaultTemplateDir): ReadonlyArray<string> => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).map((f) => basename(f, extname(f))).sort()
  } catch {
    return []
  }
}

export const checkConfig = (config: FactoryConfigData, options: { readonly templateDir?: string | undefined } = {}): ReadonlyArray<ConfigProblem> => {
  const problems: Array<ConfigProblem> = []

  const backup = config.backup
  if (backup !== undefined) {
    const timeZone = backup.timeZone ?? "UTC"
    const schedule = backup.schedule ?? DEFAULT_SCHEDULE
    const parsed = Cron.parse(schedule, timeZone)
    if (Result.isFailure(parsed)) {
      const zoneIsWrong = parsed.failure.message.includes("time zone")
      problems.push({
        path: zoneIsWrong ? ["backup", "timeZone"] : ["backup", "schedule"],
        message: zoneIsWrong
          ? `'${timeZone}' is not a time zone (an IANA name such as UTC or Asia/Seoul)`
          : `'${schedule}' is not a cron expression: ${parsed.failure.message} (5 or 6 fields, e.g. "0 4 * * 0")`,
      })
    }
  }

  const genres = knownGenres(options.templateDir)
  const genre = (path: ReadonlyArray<PropertyKey>, name: string | undefined) => {
    // exactly a file name: what `Projects.create` accepts
    if (name === undefined || genres.includes(name)) return
    problems.push({ path, message: `unknown genre '${name}' (the templates are: ${genres.join(", ") || "none"})` })
  }
  genre(["demoGenre"], config.demoGenre)
  genre(["canary", "genre"], config.canary?.genre)

  // costs are booked in USD: a report in another currency needs its rate
  const reportCurrency = config.finance.reportCurrency
  if (reportCurrency !== undefined && reportCurrency !== "USD" && config.finance.rates?.[`${reportCurrency}_per_USD`] === undefined) {
    problems.push({
      path: ["finance", "reportCurrency"],
      message: `a report in ${reportCurrency} needs finance.rates.${reportCurrency}_per_USD (costs are booked in USD)`,
    })
  }

  const supervision = config.supervision
  if (supervision.backoffMaxMs < supervision.backoffBaseMs) {
    problems.push({
      path: ["supervision", "backoffMaxMs"],
      message: `Expected at least backoffBaseMs (${supervision.backoffBaseMs}), got ${supervision.backoffMaxMs}`,
    })
  }
  return problems
}
