/**
 * The composition root: the only module that sees both the CLI (`src/`) and the
 * supervision tree with its actors (`supervisors/`, `actors/`) and the chaos runner (`chaos/`), and joins them.
 */
import { runChaos } from "./chaos/Runner.ts"
import { runCli } from "./src/cli/Cli.ts"
import { makeCommands } from "./src/cli/commands/index.ts"
import { packageVersion } from "./src/factory/FactoryStatus.ts"
import { launchFactory } from "./supervisors/Launch.ts"

// `novel-factory status | head`: the reader went away; the rest of the output has nowhere to go.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0)
    throw error
  })
}

const code = await runCli(makeCommands(launchFactory, runChaos), packageVersion, process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
  interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
})
process.exitCode = code
