#!/usr/bin/env node
// The CLI needs Node 24 (it runs TypeScript directly). When started by an
// older system node — e.g. a global shebang outside `npm run`/`npx` — re-run
// it with the Node 24 that the `node` devDependency pinned in this checkout.
import { spawnSync } from "node:child_process"
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
  const result = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" })
  process.exit(result.status ?? 1)
}
await import(join(root, "main.ts"))
