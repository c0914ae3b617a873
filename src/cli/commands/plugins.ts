/**
 * `novel-factory plugins list [--json]`: each plugin found (in `<home>/plugins/` and the
 * shipped `plugins/`) or enabled in `<home>/plugins.yaml`: where it is enabled, its hooks,
 * whether it was refused (and why) or disabled after faults, and its last error (the
 * running factory records faults in `<home>/plugins-state.json`).
 */
import { Effect } from "effect"
import { Plugins, type PluginInfo } from "../../plugins/Plugins.ts"
import { booleanFlag, type Command, CommandFailed, stringFlag } from "../Command.ts"
import { commandConfig } from "../FactoryContext.ts"
import { configOption, table, factoryOptions } from "./shared.ts"

/** A plugins.yaml that does not decode is a bad input, like a bad config file. */
const INVALID_CONFIG = 2

const statusOf = (p: PluginInfo): string => (p.refused !== null ? "refused" : p.disabled ? "disabled" : p.enabledWhere.length > 0 ? "on" : "off")

const clip = (s: string, max = 90) => ([...s].length <= max ? s : [...s].slice(0, max - 1).join("") + "…")

export const pluginsListCommand: Command = {
  name: "list",
  summary: "list plugins: where each is enabled, its hooks, last error",
  usage: "plugins list [--json]",
  options: { json: { type: "boolean", description: "print the list as JSON" }, ...configOption },
  positionals: { min: 0, max: 0, names: [] },
  details: "Reads plugins.yaml and the plugin folders of the data directory (FACTORY_HOME) and the shipped plugins/. Exit 0; 2 when plugins.yaml is invalid (the error names its file, line and key).",
  run: (args, io) =>
    Effect.gen(function* () {
      const config = yield* commandConfig(io, factoryOptions(args))
      const plugins = yield* Plugins.make({ home: config.home })
      const list = yield* plugins.list
      const configError = yield* plugins.configError
      if (booleanFlag(args, "json")) {
        io.out(JSON.stringify({ configError, plugins: list }, null, 2))
        return configError === null ? 0 : INVALID_CONFIG
      }
      if (configError !== null) io.err(`plugins.yaml: ${configError}`)
      if (list.length === 0) {
        io.out("no plugins (none in plugins/ and none enabled in plugins.yaml)")
        return configError === null ? 0 : INVALID_CONFIG
      }
      io.out(table(
        ["plugin", "status", "enabled", "hooks", "faults", "last error"],
        list.map((p) => [
          p.name,
          statusOf(p),
          p.enabledWhere.join("; ") || "-",
          p.hooks ?? "-",
          String(p.faults),
          p.refused !== null ? clip(p.refused) : p.lastError !== null ? clip(`${new Date(p.lastError.at).toISOString()} ${p.lastError.hook}: ${p.lastError.message}`) : "-",
        ]),
      ))
      return configError === null ? 0 : INVALID_CONFIG
    }).pipe(Effect.mapError((e) => (e instanceof CommandFailed ? e : new CommandFailed({ message: String(e), exitCode: 1 })))),
}

/** `novel-factory plugins …` (register in `makeCommands`). */
export const pluginsCommand: Command = {
  name: "plugins",
  summary: "hot-swappable plugins: list them",
  usage: "plugins list [--json]",
  options: {},
  positionals: { min: 0, max: 0, names: [] },
  subcommands: [pluginsListCommand],
  run: (args, io) => pluginsListCommand.run(args, io),
}
