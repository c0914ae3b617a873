import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "@effect/vitest"

/** A temp directory for this test file, removed after its tests; `next()` names a new database file in it. */
export const tempDatabases = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), `nf-${prefix}-`))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  let n = 0
  return { dir, next: () => join(dir, `db-${++n}.sqlite`) }
}
