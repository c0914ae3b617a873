/**
 * `novel-factory dashboard` through the real CLI machinery (`runCli`) with only the
 * dashboard command: used by the pseudo-terminal tests and the bench until/unless
 * `main.ts` registers the command (then they use `main.ts dashboard`).
 */
import { runCli } from "../../src/cli/Cli.ts"
import { dashboardCommand } from "../../src/cli/commands/dashboard.ts"

const code = await runCli([dashboardCommand], "0.1.0", process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
})
process.exitCode = code
