/**
 * The guard's verdicts, byte for byte: every corpus passage and the offline writer's golden drafts
 * (against the drafts before them, against a copy of themselves, under stricter options). The hashes
 * were recorded before the checks were regrouped into one module per family (`golden-mk.ts`); a
 * change to any code, message, evidence span or reward fails here.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { makeGuard } from "../../src/guard/Guard.ts"
import { guardGoldenCases, hashOf, verdictHash } from "./golden.ts"

const recorded: ReadonlyArray<string> = JSON.parse(readFileSync(new URL("./golden-hashes.json", import.meta.url), "utf8"))

describe("the guard's golden", () => {
  it("gives every recorded case the verdict it gave before the regrouping", () => {
    expect(createHash("sha256").update(recorded.join("")).digest("hex")).toBe("ae2690947d2df7725c69b1c6418ecc6b45a653d0c9e67329156804e9507f389c")
    const cases = guardGoldenCases()
    expect(cases.length).toBe(recorded.length)
    const changed = cases.flatMap((input, i) => (verdictHash(input) === recorded[i] ? [] : [`#${i} (episode ${input.episode}: ${input.text.slice(0, 30)}…)`]))
    expect(changed, "verdicts that changed").toEqual([])
  })

  it("gives the same verdicts from one guard instance that remembers from case to case", () => {
    // twice over: the second round reads every Bible, outline and recent episode from memory
    const guard = makeGuard()
    const cases = guardGoldenCases()
    for (const round of [1, 2]) {
      const changed = cases.flatMap((input, i) => (hashOf(guard.draft(input)) === recorded[i] ? [] : [`round ${round} #${i}`]))
      expect(changed, "verdicts that changed").toEqual([])
    }
  })
})
