import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { runCli } from "../../src/cli/Cli.ts"
import { financeCommand } from "../../src/cli/commands/finance.ts"
import { loadConfig } from "../../src/config/LoadConfig.ts"
import { LLM_STAGES, type LlmStage } from "../../src/llm/LanguageModel.ts"
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_TEMPERATURE,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  LlmConfig,
  type OpenAiLlmConfig,
  stageRoute,
} from "../../src/llm/LlmConfig.ts"

const decode = (value: unknown) => Schema.decodeUnknownSync(LlmConfig)(value, { onExcessProperty: "error" })

const openai = (patch: Partial<OpenAiLlmConfig> = {}): LlmConfig =>
  decode({ kind: "openai", baseUrl: "https://llm.example/v1", model: "base-model", apiKeyEnv: "KEY", ...patch })

const routeKinds = (config: LlmConfig) => Object.fromEntries(LLM_STAGES.map((s) => [s, stageRoute(config, s).kind]))

describe("stageRoute: where each stage runs", () => {
  it("llm.kind openai: writer, analyst, planner, summary on the LLM; the critic off until asked for", () => {
    expect(routeKinds(openai())).toEqual({ writer: "openai", critic: "offline", analyst: "openai", planner: "openai", summary: "openai" })
  })

  it("the full table: every stage × stage kind (absent, offline, openai) × top-level kind", () => {
    const defaultUnderOpenAi: Record<LlmStage, "openai" | "offline"> = {
      writer: "openai",
      critic: "offline",
      analyst: "openai",
      planner: "openai",
      summary: "openai",
    }
    for (const stage of LLM_STAGES) {
      for (const stageKind of [undefined, "offline", "openai"] as const) {
        const block = stageKind === undefined ? {} : { kind: stageKind }
        const underOpenAi = openai({ stages: { [stage]: block } })
        expect(stageRoute(underOpenAi, stage).kind, `${stage} with kind ${stageKind} under openai`).toBe(stageKind ?? defaultUnderOpenAi[stage])
        // The other stages keep their defaults.
        for (const other of LLM_STAGES.filter((s) => s !== stage)) {
          expect(stageRoute(underOpenAi, other).kind).toBe(defaultUnderOpenAi[other])
        }
        if (stageKind !== "openai") {
          const underOffline = decode({ kind: "offline", stages: { [stage]: block } })
          expect(stageRoute(underOffline, stage), `${stage} with kind ${stageKind} under offline`).toEqual({ kind: "offline" })
        }
      }
      expect(stageRoute(decode({ kind: "offline" }), stage)).toEqual({ kind: "offline" })
    }
  })

  it("resolves a stage's settings: its overrides, else the top level, else the documented defaults", () => {
    const config = openai({
      temperature: 0.5,
      limits: { requestsPerMinute: 100 },
      stages: {
        critic: { kind: "openai", model: "judge", temperature: 0, maxTokens: 1024 },
        summary: { baseUrl: "https://other.example/v1", apiKeyEnv: "OTHER_KEY", timeoutMs: 5_000 },
      },
    })
    expect(stageRoute(config, "writer")).toEqual({
      kind: "openai",
      settings: {
        stage: "writer",
        baseUrl: "https://llm.example/v1",
        model: "base-model",
        apiKeyEnv: "KEY",
        temperature: 0.5,
        maxTokens: DEFAULT_MAX_TOKENS,
        timeoutMs: DEFAULT_TIMEOUT_MS,
        idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
        stream: true,
        limits: { requestsPerMinute: 100 },
      },
    })
    expect(stageRoute(config, "critic")).toMatchObject({ kind: "openai", settings: { model: "judge", temperature: 0, maxTokens: 1024 } })
    // Another provider does not inherit the top level's limits.
    expect(stageRoute(config, "summary")).toMatchObject({
      kind: "openai",
      settings: { baseUrl: "https://other.example/v1", apiKeyEnv: "OTHER_KEY", timeoutMs: 5_000, limits: {} },
    })
    expect([DEFAULT_TEMPERATURE, DEFAULT_MAX_TOKENS, DEFAULT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS]).toEqual([0.8, 8192, 300_000, 30_000])
    const bare = openai()
    expect(stageRoute(bare, "planner")).toMatchObject({ settings: { temperature: 0.8, maxTokens: 8192, timeoutMs: 300_000, idleTimeoutMs: 30_000, stream: true } })
    // Unset, the idle timeout never exceeds the whole-generation bound it sits inside.
    expect(stageRoute(openai({ timeoutMs: 10_000 }), "writer")).toMatchObject({ settings: { timeoutMs: 10_000, idleTimeoutMs: 10_000 } })
  })
})

describe("the llm config as the operator writes it", () => {
  const home = () => mkdtempSync(join(tmpdir(), "nf-llm-config-"))
  const load = (yaml: string) => {
    const dir = home()
    writeFileSync(join(dir, "factory.yaml"), yaml)
    return loadConfig({ env: { FACTORY_HOME: dir }, cwd: dir }).pipe(Effect.flip, Effect.map((e) => e.message))
  }

  it.effect("needs only kind, baseUrl, model and apiKeyEnv for the openai provider", () =>
    Effect.gen(function* () {
      const dir = home()
      writeFileSync(join(dir, "factory.yaml"), "llm:\n  kind: openai\n  baseUrl: http://127.0.0.1:1/v1\n  model: m\n  apiKeyEnv: K\n")
      const config = yield* loadConfig({ env: { FACTORY_HOME: dir }, cwd: dir })
      expect(config.llm).toEqual({ kind: "openai", baseUrl: "http://127.0.0.1:1/v1", model: "m", apiKeyEnv: "K" })
    }))

  it.effect("refuses llm.stages.guard and llm.stages.editor, naming the line, the key and what to use instead", () =>
    Effect.gen(function* () {
      const guard = yield* load("llm:\n  kind: openai\n  baseUrl: u\n  model: m\n  apiKeyEnv: K\n  stages:\n    guard: { temperature: 0 }\n")
      expect(guard).toMatch(/factory\.yaml:7: llm\.stages\.guard: removed: the guard's checks make no LLM call/)
      expect(guard).toMatch(/use llm\.stages\.critic \(kind: openai turns it on\)/)
      const editor = yield* load("llm:\n  kind: offline\n  stages:\n    editor: { temperature: 0.3 }\n")
      expect(editor).toMatch(/factory\.yaml:4: llm\.stages\.editor: removed: the editor makes no LLM call — delete the key/)
    }))

  it.effect("refuses an idle timeout longer than the whole-generation timeout, naming the key, at the top level and per stage", () =>
    Effect.gen(function* () {
      const top = yield* load("llm:\n  kind: openai\n  baseUrl: u\n  model: m\n  apiKeyEnv: K\n  timeoutMs: 20000\n  idleTimeoutMs: 60000\n")
      expect(top).toMatch(/llm\.idleTimeoutMs: 60000 must not exceed timeoutMs \(20000\)/)
      const stage = yield* load("llm:\n  kind: openai\n  baseUrl: u\n  model: m\n  apiKeyEnv: K\n  stages:\n    writer: { timeoutMs: 5000, idleTimeoutMs: 9000 }\n")
      expect(stage).toMatch(/llm\.stages\.writer\.idleTimeoutMs: 9000 must not exceed timeoutMs \(5000\)/)
      expect(yield* load("llm:\n  kind: openai\n  baseUrl: u\n  model: m\n  apiKeyEnv: K\n  idleTimeoutMs: 0\n")).toMatch(/llm\.idleTimeoutMs/)
      expect(yield* load("llm:\n  kind: openai\n  baseUrl: u\n  model: m\n  apiKeyEnv: K\n  stream: yes please\n")).toMatch(/llm\.stream/)
    }))

  it.effect("refuses kind: openai on a stage under llm.kind: offline, saying what to do", () =>
    Effect.gen(function* () {
      const message = yield* load("llm:\n  kind: offline\n  stages:\n    critic: { kind: openai }\n")
      expect(message).toMatch(/factory\.yaml:4: llm\.stages\.critic\.kind: a stage can use the LLM only under llm\.kind: openai/)
      expect(message).toMatch(/give the other stages kind: offline/)
    }))

  it.effect("refuses an unknown stage kind and an unknown stage", () =>
    Effect.gen(function* () {
      expect(yield* load("llm:\n  kind: openai\n  baseUrl: u\n  model: m\n  apiKeyEnv: K\n  stages:\n    writer: { kind: local }\n"))
        .toMatch(/llm\.stages\.writer\.kind: Expected "openai" \| "offline"/)
      expect(yield* load("llm:\n  kind: openai\n  baseUrl: u\n  model: m\n  apiKeyEnv: K\n  stages:\n    illustrator: {}\n"))
        .toMatch(/llm\.stages\.illustrator/)
    }))

  it("a removed key exits 2 through the command line's config path", async () => {
    const dir = home()
    writeFileSync(join(dir, "factory.yaml"), "llm:\n  kind: offline\n  stages:\n    guard: {}\n")
    const err: Array<string> = []
    const io = { out: () => {}, err: (l: string) => err.push(l), env: { FACTORY_HOME: join(dir, "home") }, cwd: dir }
    expect(await runCli([financeCommand], "test", ["finance", "report", "--config", "factory.yaml"], io)).toBe(2)
    expect(err.join("\n")).toMatch(/llm\.stages\.guard: removed: .*use llm\.stages\.critic/)
  })
})
