import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadConfig } from "../../../src/config/LoadConfig.ts"
import { withCallContext } from "../../../src/finance/Ledger.ts"
import type { CompletionRequest, LanguageModelShape } from "../../../src/llm/LanguageModel.ts"
import { CANARY_SLUG } from "../../../src/domain/Project.ts"
import { offlineForProjects, offlineProjectsOf } from "../../../src/ops/canary/CanaryRoute.ts"

const root = mkdtempSync(join(tmpdir(), "nf-canary-route-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

const loadYaml = (yaml: string) => {
  const home = join(root, `home-${n++}`)
  mkdirSync(home, { recursive: true })
  writeFileSync(join(home, "factory.yaml"), yaml)
  return loadConfig({ env: { FACTORY_HOME: home }, cwd: root }).pipe(
    Effect.map((config) => ({ config, error: undefined })),
    Effect.catchTag("ConfigError", (error) => Effect.succeed({ config: undefined, error: error.message })),
  )
}

/** A model that says which implementation answered. */
const named = (name: string): LanguageModelShape => ({
  name,
  complete: () => Effect.succeed({ text: name, finishReason: "stop", usage: { promptTokens: 0, cachedTokens: 0, completionTokens: 0 }, model: name, provider: name }),
})
const request: CompletionRequest = { stage: "analyst", messages: [{ role: "user", content: "x" }] }
const answerFor = (model: LanguageModelShape, project: string | null) =>
  Effect.map(model.complete(request).pipe(withCallContext({ project, episode: 1 })), (c) => c.text)

describe("canary.llm", () => {
  it.effect("defaults to offline, accepts configured, and refuses anything else naming the key", () =>
    Effect.gen(function* () {
      expect((yield* loadYaml("canary: { enabled: true }\n")).config?.canary?.llm).toBeUndefined()
      expect((yield* loadYaml("canary: { llm: configured }\n")).config?.canary?.llm).toBe("configured")
      const bad = yield* loadYaml("canary: { llm: paid }\n")
      expect(bad.error).toMatch(/canary\.llm/)
    }))

  it.effect("offline (the default) sends the canary's calls, and only them, to the offline model", () =>
    Effect.gen(function* () {
      const model = offlineForProjects(offlineProjectsOf(undefined), { routed: named("routed"), offline: named("offline") })
      expect(yield* answerFor(model, CANARY_SLUG)).toBe("offline")
      expect(yield* answerFor(model, "canary")).toBe("routed")
      expect(yield* answerFor(model, "my-novel")).toBe("routed")
      expect(yield* answerFor(model, null)).toBe("routed")
      const configured = offlineForProjects(offlineProjectsOf({ llm: "configured" }), { routed: named("routed"), offline: named("offline") })
      expect(yield* answerFor(configured, CANARY_SLUG)).toBe("routed")
    }))
})
