/**
 * `novel-factory new --title`: a title with a terminal escape, NUL or a bidi override would be
 * stored and later printed raw by `status`; it is refused as a usage error naming the option.
 */
import { afterAll, describe, expect, it } from "vitest"
import { newCommand, statusCommand } from "../../src/cli/commands/story.ts"
import { runCommand } from "../support/cliHarness.ts"
import { makeDataDir } from "../support/factoryProcess.ts"

const data = makeDataDir("nf-new-title-")
afterAll(data.cleanup)
const cli = (...argv: Array<string>) => runCommand([newCommand, statusCommand], argv, { FACTORY_HOME: data.dir }, data.dir)

describe("novel-factory new --title", () => {
  it("exits 2 naming --title and the character for control and bidi-override characters, and stores nothing", async () => {
    for (const title of ["Rain\u001b[31m", "a\u0000b", "\u202eevil"]) {
      const refused = await cli("new", "titled", "--genre", "modern_noir", "--title", title)
      expect(refused.code, JSON.stringify(title)).toBe(2)
      expect(refused.err).toMatch(/--title: .*control or bidi-override characters \(U\+[0-9A-F]{4} at index \d+\)/)
    }
    const status = await cli("status")
    expect(status.out).not.toContain("titled")
    const created = await cli("new", "titled", "--genre", "modern_noir", "--title", "비의 도시")
    expect(created.code).toBe(0)
    expect(created.out).toContain("비의 도시")
    expect((await cli("status")).out).toContain("titled")
  })
})
