/** `serve` hands the `api` keys of factory.yaml and FACTORY_API_TOKEN to the server it starts. */
import { writeFileSync } from "node:fs"
import { request } from "node:http"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { type FactoryProcess, makeDataDir, startServe, stopProcess } from "../support/factoryProcess.ts"

const data = makeDataDir("nf-serve-api-")
let serve: FactoryProcess | undefined
afterAll(async () => {
  if (serve) await stopProcess(serve)
  data.cleanup()
})

const get = (url: string, path: string, headers: Record<string, string>): Promise<number> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const req = request({ host: hostname, port, path, headers, agent: false }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode ?? 0))
    })
    req.on("error", reject)
    req.end()
  })

describe("serve with api settings", () => {
  it("answers an allowed host, guards reads with the token and opens /metrics when configured", async () => {
    writeFileSync(join(data.dir, "factory.yaml"), "api:\n  allowedHosts: [factory.example]\n  metricsWithoutToken: true\n  maxConnections: 32\n")
    serve = await startServe(data.dir, { FACTORY_API_TOKEN: "s3cret" }, ["--quiet"])
    const bearer = { authorization: "Bearer s3cret" }
    expect(await get(serve.url, "/api/v1/status", { host: "factory.example", ...bearer })).toBe(200)
    expect(await get(serve.url, "/api/v1/status", { host: "factory.example" })).toBe(401)
    expect(await get(serve.url, "/api/v1/status", { host: "evil.example", ...bearer })).toBe(421)
    expect(await get(serve.url, "/metrics", {})).toBe(200)
    expect(await get(serve.url, "/healthz", {})).toBe(200)
  })
})
