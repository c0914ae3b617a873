/**
 * Slugs starting `nf-` belong to the factory's own synthetic work (the canary's `nf-canary`, load
 * tests' `nf-load-…`): `novel-factory new` refuses them as a usage error, while stored data with
 * such slugs keeps loading (the `Slug` schema itself is unchanged).
 */
import { Effect, Option, Schema } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { newCommand, statusCommand } from "../../src/cli/commands/story.ts"
import { CANARY_SLUG, isReservedSlug, Slug, syntheticSourceOf } from "../../src/domain/Project.ts"
import { Projects, slugAllowedFor } from "../../src/factory/Projects.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { runCommand } from "../support/cliHarness.ts"
import { makeDataDir } from "../support/factoryProcess.ts"
import { storeLayer } from "../support/factoryFixture.ts"

const data = makeDataDir("nf-reserved-")
afterAll(data.cleanup)
const cli = (...argv: Array<string>) => runCommand([newCommand, statusCommand], argv, { FACTORY_HOME: data.dir }, data.dir)

describe("reserved slugs", () => {
  it("new refuses nf- slugs with exit 2 naming the slug and why, and creates nothing", async () => {
    for (const slug of [CANARY_SLUG, "nf-load-20250101-000000-abcd", "nf-x"]) {
      const refused = await cli("new", slug, "--genre", "fantasy_kr")
      expect({ slug, code: refused.code }).toEqual({ slug, code: 2 })
      expect(refused.err).toContain(`the slug '${slug}' is reserved: slugs starting 'nf-' belong to the factory's own synthetic work`)
    }
    expect((await cli("status")).out).not.toContain("nf-")
    const mine = await cli("new", "canary", "--genre", "fantasy_kr")
    expect(mine.code).toBe(0)
    expect((await cli("status")).out).toContain("canary")
  })

  it("each purpose opens only its own part of the namespace", () => {
    expect(slugAllowedFor("my-novel", "user")).toBe(true)
    expect(slugAllowedFor("nf-canary", "user")).toBe(false)
    expect(slugAllowedFor("nf-load-1", "load-test")).toBe(true)
    expect(slugAllowedFor("nf-canary", "load-test")).toBe(false)
    expect(slugAllowedFor("my-novel", "load-test")).toBe(false)
    expect(slugAllowedFor("nf-canary", "canary")).toBe(true)
    expect(slugAllowedFor("nf-load-1", "canary")).toBe(false)
    expect([isReservedSlug("nf-canary"), isReservedSlug("canary"), isReservedSlug("nfc")]).toEqual([true, false, false])
    expect(["nf-canary", "nf-load-a", "nf-other", "canary"].map(syntheticSourceOf)).toEqual(["canary", "load", "reserved", undefined])
  })

  it("stored data with a reserved slug still decodes, and the factory itself can create the canary's project", async () => {
    expect(Schema.is(Slug)("nf-canary")).toBe(true)
    const dir = makeDataDir("nf-reserved-store-")
    try {
      const stored = await Effect.runPromise(
        Effect.gen(function* () {
          yield* Projects.use((p) => p.create({ slug: CANARY_SLUG, genre: "fantasy_kr", purpose: "canary" }))
          return yield* StoryStore.use((s) => s.getProject(CANARY_SLUG))
        }).pipe(Effect.provide(Projects.layer), Effect.provide(storeLayer(dir.dir))),
      )
      expect(Option.getOrThrow(stored).slug).toBe(CANARY_SLUG)
    } finally {
      dir.cleanup()
    }
  })
})
