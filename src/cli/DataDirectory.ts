/**
 * Whether FACTORY_HOME may be used as a factory's data directory. A missing or empty directory is
 * a new one; a directory with the factory's files is one; anything else — a home directory, a
 * project checkout, a typo — is refused unless the operator says `--init`, so that a wrong
 * FACTORY_HOME never fills someone's directory with a database, backups and plugin state.
 */
import { existsSync, readdirSync, statSync } from "node:fs"

/** Files only a factory writes in its data directory. */
export const DATA_DIRECTORY_MARKERS: ReadonlyArray<string> = ["factory.db", "factory.yaml", "plugins.yaml"]

/** Why `home` cannot be used, or undefined when it can. */
export const dataDirectoryRefusal = (home: string, init: boolean): string | undefined => {
  if (!existsSync(home)) return undefined
  if (!statSync(home).isDirectory()) return `FACTORY_HOME ${home} is not a directory`
  if (init) return undefined
  const entries = readdirSync(home)
  if (entries.length === 0 || DATA_DIRECTORY_MARKERS.some((m) => entries.includes(m))) return undefined
  return `FACTORY_HOME ${home} is not a factory's data directory (it holds other files and no ${DATA_DIRECTORY_MARKERS.join(", ")}); ` +
    `point FACTORY_HOME at an empty or new directory, or pass --init to use this one`
}
