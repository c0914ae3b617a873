import type { LaunchFactory } from "../../factory/FactoryRuntime.ts"
import type { RunChaos } from "../../ops/chaos/ChaosPlan.ts"
import type { Command } from "../Command.ts"
import { backupCommand } from "./backup.ts"
import { chaosCommand } from "./chaos.ts"
import { dashboardCommand } from "./dashboard.ts"
import { exportCommand } from "./export.ts"
import { runCommand, serveCommand } from "./factory.ts"
import { financeCommand } from "./finance.ts"
import { guardCommand } from "./guard.ts"
import { importCommand } from "./import.ts"
import { loadCommand } from "./load.ts"
import { cancelCommand, deleteCommand, holdCommand, resumeCommand, retryCommand, skipCommand } from "./operator.ts"
import { outlineCommand, threadsCommand } from "./outline.ts"
import { pluginsCommand } from "./plugins.ts"
import { reportCommand } from "./report.ts"
import { restoreCommand } from "./restore.ts"
import { bibleCommand, enqueueCommand, episodesCommand, newCommand, showCommand, statusCommand } from "./story.ts"

/** Every command of the CLI; the running factory and the chaos runner are handed in by the entry point. */
export const makeCommands = (launch: LaunchFactory, runChaos: RunChaos): ReadonlyArray<Command> => [
  newCommand,
  importCommand,
  runCommand(launch),
  serveCommand(launch),
  dashboardCommand,
  enqueueCommand,
  retryCommand,
  skipCommand,
  cancelCommand,
  holdCommand,
  resumeCommand,
  deleteCommand,
  statusCommand,
  episodesCommand,
  showCommand,
  bibleCommand,
  outlineCommand,
  threadsCommand,
  guardCommand,
  exportCommand,
  backupCommand,
  restoreCommand,
  financeCommand,
  reportCommand,
  loadCommand,
  pluginsCommand,
  chaosCommand(runChaos),
]
