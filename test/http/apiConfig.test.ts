/** The `api` keys of issue 16 in factory.yaml: accepted as documented, a wrong one named with its line. */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { loadConfig } from "../../src/config/LoadConfig.ts"
import { makeDataDir } from "../support/factoryProcess.ts"

const data = makeDataDir("nf-api-config-")
afterAll(data.cleanup)

const load = (name: string, yaml: string) => {
  const home = join(data.dir, name)
  mkdirSync(home, { recursive: true })
  writeFileSync(join(home, "factory.yaml"), yaml)
  return Effect.runPromise(Effect.result(loadConfig({ env: { FACTORY_HOME: home }, cwd: data.dir })))
}

describe("api config", () => {
  it("reads allowedHosts, maxConnections and metricsWithoutToken", async () => {
    const result = await load("ok", "api:\n  allowedHosts: [factory.internal, 'proxy.example:8443']\n  maxConnections: 64\n  metricsWithoutToken: true\n")
    expect(result._tag).toBe("Success")
    if (result._tag === "Success") {
      expect(result.success.api).toEqual({
        host: "127.0.0.1",
        port: 8080,
        allowedHosts: ["factory.internal", "proxy.example:8443"],
        maxConnections: 64,
        metricsWithoutToken: true,
      })
    }
  })

  it("names a host given as a URL, and a cap below one", async () => {
    const url = await load("url", "api:\n  allowedHosts: ['https://factory.internal/']\n")
    expect(url._tag).toBe("Failure")
    if (url._tag === "Failure") expect(url.failure.message).toMatch(/allowedHosts[\s\S]*name or address with an optional port/)
    const cap = await load("cap", "api:\n  maxConnections: 0\n")
    expect(cap._tag).toBe("Failure")
    if (cap._tag === "Failure") expect(cap.failure.message).toMatch(/maxConnections/)
  })
})
