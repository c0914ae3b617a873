import { basename, dirname, isAbsolute, resolve } from "node:path"
import { Effect, Layer, Result, type Scope } from "effect"
import type { BlobStoreShape } from "../blob/BlobStore.ts"
import { makeDirectoryBlobStore } from "../blob/DirectoryBlobStore.ts"
import { makeS3BlobStore, makeS3Client, S3CredentialsMissing } from "../blob/S3BlobStore.ts"
import { FactoryConfig, type FactoryConfigData } from "../config/FactoryConfig.ts"
import { Database } from "../sqlite/Database.ts"
import { type BackupSettings, resolveBackupSettings } from "./BackupConfig.ts"
import { BackupError, Backups, makeBackups } from "./Backups.ts"
import { isBackupId } from "./Manifest.ts"

type Env = Readonly<Record<string, string | undefined>>

/** The `backup` settings of a loaded config. */
export const backupSettingsOf = (config: FactoryConfigData): Result.Result<BackupSettings, string> => resolveBackupSettings(config.backup, config.home)

/** Opens the blob store a `store` setting names; the S3 client is destroyed with the scope. */
export const openBackupStore = (
  store: BackupSettings["store"],
  env: Env,
): Effect.Effect<BlobStoreShape, BackupError, Scope.Scope> => {
  if (store.kind === "directory") return Effect.succeed(makeDirectoryBlobStore(store.path))
  return Effect.acquireRelease(
    Effect.suspend(() => {
      const client = makeS3Client({ ...store, env })
      return client instanceof S3CredentialsMissing
        ? Effect.fail(new BackupError({ message: `s3://${store.bucket}: ${client.message}` }))
        : Effect.succeed(client)
    }),
    (client) => Effect.sync(() => client.destroy()),
  ).pipe(
    Effect.map((client) =>
      makeS3BlobStore(client, {
        bucket: store.bucket,
        prefix: store.prefix,
        region: store.region,
        endpoint: store.endpoint,
        forcePathStyle: store.forcePathStyle,
        multipartThreshold: store.multipartThresholdBytes,
        partSize: store.partSizeBytes,
      })
    ),
  )
}

export interface RestoreSource {
  readonly store: BackupSettings["store"]
  readonly id: string
}

/**
 * What `restore` was given:
 * - `s3://bucket/some/prefix/<id>`: that snapshot in that bucket (endpoint, region and path
 *   style from the configured S3 store when there is one, else AWS_ENDPOINT_URL_S3 /
 *   AWS_ENDPOINT_URL / AWS_REGION);
 * - a path (`/mnt/backups/<id>`, `./<id>` …): the snapshot directory itself;
 * - a bare id: that snapshot in the configured backup store.
 */
export const parseRestoreSource = (arg: string, settings: BackupSettings, env: Env, cwd: string): RestoreSource | string => {
  if (arg.startsWith("s3://")) {
    const [bucket = "", ...rest] = arg.slice("s3://".length).replace(/\/+$/, "").split("/")
    const id = rest.pop()
    if (!bucket || !id) return `expected s3://bucket/prefix/<backup id>, got '${arg}'`
    if (!isBackupId(id)) return `'${id}' is not a backup id (like 20250105T040000123Z-1a2b3c)`
    const configured = settings.store.kind === "s3" ? settings.store : undefined
    const endpoint = configured?.endpoint ?? env["AWS_ENDPOINT_URL_S3"] ?? env["AWS_ENDPOINT_URL"]
    return {
      id,
      store: {
        kind: "s3",
        bucket,
        prefix: rest.join("/"),
        region: configured?.region ?? env["AWS_REGION"],
        endpoint,
        forcePathStyle: configured?.forcePathStyle ?? (endpoint !== undefined),
        multipartThresholdBytes: configured?.multipartThresholdBytes,
        partSizeBytes: configured?.partSizeBytes,
      },
    }
  }
  if (arg.includes("/") || arg.startsWith(".") || isAbsolute(arg)) {
    const path = resolve(cwd, arg.replace(/\/+$/, ""))
    const id = basename(path)
    if (!isBackupId(id)) return `'${id}' is not a backup directory (its name must be a backup id like 20250105T040000123Z-1a2b3c)`
    return { id, store: { kind: "directory", path: dirname(path) } }
  }
  if (!isBackupId(arg)) return `'${arg}' is not a backup id (like 20250105T040000123Z-1a2b3c); 'backup list' shows them`
  return { id: arg, store: settings.store }
}

/**
 * `Backups` from the factory config and database: the store from `backup.store`
 * (default `<home>/backups`), the live database from the `Database` service.
 * For the daemon, `env` is `process.env` (the S3 credentials). Building it sweeps the scratch
 * directories that backups killed in an earlier run left.
 */
export const backupsLayer = (env: Env): Layer.Layer<Backups, BackupError, FactoryConfig | Database> =>
  Layer.effect(
    Backups,
    Effect.gen(function* () {
      const config = yield* FactoryConfig
      const database = yield* Database
      const settings = backupSettingsOf(config)
      if (Result.isFailure(settings)) return yield* new BackupError({ message: settings.failure })
      const store = yield* openBackupStore(settings.success.store, env)
      const backups = makeBackups({ store, databasePath: database.path })
      // at start-up: a backup killed in the last run left its scratch copy (~1.25× the database)
      yield* backups.sweepScratch
      return Backups.of(backups)
    }),
  )
