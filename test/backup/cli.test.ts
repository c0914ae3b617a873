import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { makeBackupCommand } from "../../src/cli/commands/backup.ts"
import { makeRestoreCommand } from "../../src/cli/commands/restore.ts"
import { configWith, fakeLoadConfig, fakeWithFactory, runCommand } from "../support/cliHarness.ts"
import { readEpisodes, seedFactory } from "../support/factoryFixture.ts"
import { startS3Server, type S3TestServer } from "../support/s3server.ts"

const root = mkdtempSync(join(tmpdir(), "nf-backup-cli-"))
const EPISODES = 10
let server: S3TestServer
beforeAll(async () => {
  server = await startS3Server()
}, 60_000)
afterAll(async () => {
  await server.close()
  rmSync(root, { recursive: true, force: true })
})

const setup = async (name: string, backup: () => unknown) => {
  const home = join(root, name)
  await Effect.runPromise(seedFactory(home, { episodes: EPISODES }))
  const config = () => configWith(home, backup())
  const deps = { withFactory: fakeWithFactory(config), loadConfig: fakeLoadConfig(config) }
  const commands = [makeBackupCommand(deps), makeRestoreCommand(deps)]
  const env = { FACTORY_HOME: home, AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" }
  return { home, cli: (...argv: Array<string>) => runCommand(commands, argv, env, root) }
}

describe("novel-factory backup / restore (directory store)", () => {
  it("now → list → verify → restore into an empty dir; non-empty refused without --force", async () => {
    const { home, cli } = await setup("dir-home", () => undefined)
    const before = await Effect.runPromise(readEpisodes(home))

    const now = await cli("backup", "now")
    expect(now.err).toBe("")
    expect(now.code).toBe(0)
    expect(now.out).toContain(`1 project, ${EPISODES} episodes, 3 ledger rows`)
    expect(now.out).toContain("verified")
    const id = /backup (\S+) →/.exec(now.out)![1]!

    const list = await cli("backup", "list")
    expect(list.code).toBe(0)
    expect(list.out).toContain(`1 backup(s) in dir:${join(home, "backups")}`)
    expect(list.out).toContain(id)

    const verify = await cli("backup", "verify")
    expect(verify.code).toBe(0)
    expect(verify.out).toContain(`backup ${id} ok`)
    expect((await cli("backup", "verify", "20990101T000000000Z-000000")).code).toBe(2)

    const target = join(root, "restored-1")
    const restored = await cli("restore", id, "--to", target)
    expect(restored.err).toBe("")
    expect(restored.code).toBe(0)
    expect(await Effect.runPromise(readEpisodes(target))).toEqual(before)

    const again = await cli("backup", "restore", id, "--to", target)
    expect(again.code).toBe(2)
    expect(again.err).toContain("not empty")
    expect((await cli("restore", id, "--to", target, "--force")).code).toBe(0)

    // A snapshot directory given as a path.
    const byPath = await cli("restore", join(home, "backups", id), "--to", join(root, "restored-2"))
    expect(byPath.code).toBe(0)

    // A snapshot that is not there: a wrong argument, exit 2.
    const missing = await cli("restore", join(root, "nowhere", id), "--to", join(root, "restored-3"))
    expect(missing.code).toBe(2)
    expect(missing.err).toContain(`no complete backup '${id}'`)
    expect((await cli("restore", "not-an-id")).code).toBe(2)
  }, 60_000)

  it("a corrupted backup: verify exits 1 and lists the problem", async () => {
    const { home, cli } = await setup("dir-corrupt", () => undefined)
    const id = /backup (\S+) →/.exec((await cli("backup", "now", "--no-verify")).out)![1]!
    writeFileSync(join(home, "backups", id, "factory.db.gz"), "not gzip at all")
    const r = await cli("backup", "verify", id)
    expect(r.code).toBe(1)
    expect(r.err).toContain("factory.db.gz: size")
    expect(r.err).toContain("SHA-256")
  }, 60_000)
})

describe("novel-factory backup / restore (loopback S3)", () => {
  it("backup now to S3, wipe, restore s3://bucket/prefix/<id> gives the same episodes", async () => {
    const store = { kind: "s3", bucket: "nf-backups", prefix: "prod", endpoint: server.endpoint, forcePathStyle: true }
    const { home, cli } = await setup("s3-home", () => ({ store, retention: { keepLast: 2, keepDaily: 0, keepWeekly: 0 } }))
    const before = await Effect.runPromise(readEpisodes(home))
    // What a backup killed mid-upload two hours ago left on the bucket, and one still running.
    const aged = (minutes: number) => new Date(Date.now() - minutes * 60_000)
    server.uploads.set("killed", { bucket: "nf-backups", key: "prod/old/factory.db.gz", parts: new Map([[1, Buffer.from("x")]]), initiated: aged(120) })
    server.uploads.set("running", { bucket: "nf-backups", key: "prod/young/factory.db.gz", parts: new Map(), initiated: aged(1) })
    const now = await cli("backup", "now", "--prune")
    expect(now.err).toBe("")
    expect(now.code).toBe(0)
    expect(now.out).toContain("→ s3://nf-backups/prod")
    expect(now.out).toContain("removed 0 incomplete backup(s) and 1 interrupted upload(s) older than 60 min")
    expect([...server.uploads.keys()]).toEqual(["running"])
    const id = /backup (\S+) →/.exec(now.out)![1]!
    expect([...server.objects.keys()].filter((k) => k.startsWith(`nf-backups/prod/${id}/`)).sort()).toEqual([
      `nf-backups/prod/${id}/factory.db.gz`,
      `nf-backups/prod/${id}/manifest.json`,
    ])
    rmSync(home, { recursive: true, force: true })
    const r = await cli("restore", `s3://nf-backups/prod/${id}`)
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    expect(existsSync(join(home, "factory.db"))).toBe(true)
    expect(await Effect.runPromise(readEpisodes(home))).toEqual(before)
  }, 60_000)
})
