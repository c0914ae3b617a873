import { defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.ts"

/**
 * `npm run test:unit`: the fast tier, for the edit-test loop (under a minute on 2 cores). It leaves out
 * the end-to-end suites — those that start processes, servers (serve, redis-server, Java's epubcheck,
 * tmux) or the whole chaos day — and runs the property suites at `CHAOS_RUNS=25` (the script sets it).
 * `npm test` runs every suite, end-to-end included, at full size: CI runs that.
 */
export const END_TO_END: ReadonlyArray<string> = [
  "test/**/*.e2e.test.ts",
  "test/**/*.redis.test.ts",
  "test/redis/**",
  "test/distributed/**",
  "test/chaos/**",
  "test/factory/process.test.ts",
  "test/factory/simulation.property.test.ts",
  "test/llm/factory-e2e.test.ts",
  "test/ops/instance/instanceLock.test.ts",
  "test/ops/load/gate.test.ts",
  "test/ops/canary/canary.test.ts",
  "test/export/epub.test.ts",
  "test/export/pdf.test.ts",
  "test/http/serveConfig.test.ts",
  "test/cli/lifecycle.test.ts",
  "test/neo4j/neo4jUnavailable.test.ts",
]

export default mergeConfig(base, defineConfig({ test: { exclude: [...END_TO_END, "**/node_modules/**"], isolate: false } }))
