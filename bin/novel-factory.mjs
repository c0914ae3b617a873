#!/usr/bin/env node
// The CLI needs Node 24 (it runs TypeScript directly). When started by an
// older system node — e.g. a global shebang outside `npm run`/`npx` — re-run
// it with the Node 24 that the `node` devDependency pinned in this checkout.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const major = Number(process.versions.node.split(".")[0])
if (major < 24) {
  const pinned = join(root, "node_modules", "node", "bin", "node")
  if (!existsSync(pinned)) {
    process.stderr.write(`novel-factory needs Node 24 (found ${process.version}); run \`npm install\` in ${root} first.\n`)
    process.exit(2)
  }
  // The factory runs in the child: a signal sent to this launcher's pid (a service manager's
  // SIGTERM, a closed terminal's SIGHUP) goes on to it, and the launcher exits as the child did —
  // never leaving a factory behind that holds the port and the data directory's lock.
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" })
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"]
  const forward = (signal) => child.kill(signal)
  for (const signal of signals) process.on(signal, forward)
  child.on("error", (error) => {
    process.stderr.write(`novel-factory: cannot start ${pinned}: ${error.message}\n`)
    process.exit(1)
  })
  child.on("exit", (code, signal) => {
    for (const s of signals) process.off(s, forward)
    if (signal !== null) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
} else {
  await import(join(root, "main.ts"))
}
