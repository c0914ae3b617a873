import { Effect } from "effect"
import { DEFAULT_THRESHOLDS } from "../../dashboard/Model.ts"
import { type DashboardOptions, runDashboard, startDashboard } from "../../dashboard/Dashboard.ts"
import { type Command, CommandFailed, intFlag, stringFlag, UsageError } from "../Command.ts"
import { errorMessage } from "../../util/ErrorMessage.ts"

export { runDashboard, startDashboard }
export type { DashboardOptions }

/** `--url`, else `FACTORY_URL`, else loopback on `FACTORY_PORT` (default 8080). */
export const dashboardUrl = (flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string | UsageError => {
  const raw = flag ?? env["FACTORY_URL"] ?? `http://127.0.0.1:${env["FACTORY_PORT"] || "8080"}`
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return new UsageError({ message: `--url expects an address like http://127.0.0.1:8080, got '${raw}'` })
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return new UsageError({ message: `--url must be http:// or https://, got '${raw}'` })
  }
  return url.origin + url.pathname.replace(/\/+$/, "")
}

/** `novel-factory dashboard`: the operator's live terminal view of a running `serve`. */
export const dashboardCommand: Command = {
  name: "dashboard",
  summary: "live terminal dashboard of a running factory (serve)",
  usage: "dashboard [--url http://127.0.0.1:8080] [--token <token>]",
  details:
    "Attaches to the HTTP API: throughput, latency per stage, queue depth, actors and restarts, recovery events, alerts, finance. " +
    "Keys: ? help · q quit · p pause/resume intake · Tab focus · / filter events · arrows scroll. " +
    "The token defaults to FACTORY_API_TOKEN, the address to FACTORY_URL or 127.0.0.1:FACTORY_PORT.",
  options: {
    url: { type: "string", short: "u", placeholder: "url", description: "API address of the running factory" },
    token: { type: "string", placeholder: "token", description: "bearer token of a serve that has one (default FACTORY_API_TOKEN)" },
    "warn-depth": { type: "string", placeholder: "n", description: `queue depth shown as warning (default ${DEFAULT_THRESHOLDS.warning})` },
    "critical-depth": { type: "string", placeholder: "n", description: `queue depth shown as critical (default ${DEFAULT_THRESHOLDS.critical})` },
    refresh: { type: "string", placeholder: "ms", description: "redraw period in milliseconds (default 1000)" },
  },
  positionals: { min: 0, max: 0, names: [] },
  run: (args, io) =>
    Effect.gen(function* () {
      const url = dashboardUrl(stringFlag(args, "url"), io.env)
      if (url instanceof UsageError) return yield* url
      const warning = intFlag(args, "warn-depth", { min: 1 })
      if (warning instanceof UsageError) return yield* warning
      const critical = intFlag(args, "critical-depth", { min: 1 })
      if (critical instanceof UsageError) return yield* critical
      const refresh = intFlag(args, "refresh", { min: 100, max: 60_000 })
      if (refresh instanceof UsageError) return yield* refresh
      const thresholds = { warning: warning ?? DEFAULT_THRESHOLDS.warning, critical: critical ?? DEFAULT_THRESHOLDS.critical }
      if (thresholds.critical <= thresholds.warning) {
        return yield* new UsageError({ message: `--critical-depth (${thresholds.critical}) must be above --warn-depth (${thresholds.warning})` })
      }
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        return yield* new CommandFailed({ message: "the dashboard needs a terminal (stdin and stdout must be a TTY); use 'status' in scripts", exitCode: 1 })
      }
      const token = stringFlag(args, "token") ?? (io.env["FACTORY_API_TOKEN"] || undefined)
      return yield* Effect.callback<number, CommandFailed>((resume) => {
        let running: ReturnType<typeof startDashboard>
        try {
          running = startDashboard({ url, token, thresholds, ...(refresh !== undefined ? { refreshMs: refresh } : {}) })
        } catch (error) {
          resume(Effect.fail(new CommandFailed({ message: `cannot open the terminal: ${errorMessage(error)}`, exitCode: 1 })))
          return
        }
        running.done.then((code) => resume(Effect.succeed(code)))
        // Interrupted (SIGTERM): restore the terminal before the process goes.
        return Effect.sync(() => running.stop(130))
      })
    }),
}
