/**
 * Finding and (re-)importing plugins. A plugin's version is a hash of the
 * files in its folder (index.ts and data files, not sub-folders), so an edit
 * is seen however coarse the file system's mtimes are; a changed plugin is
 * imported again as `index.ts?v=<hash>` (a new module instance: ESM caches by
 * URL). A plugin's own relative imports are cached by Node and not re-imported:
 * keep the code that should hot-swap in index.ts and read data files in
 * `register`.
 */
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/** The plugins shipped with the factory: `plugins/` of the checkout. */
export const shippedPluginsDir = resolve(fileURLToPath(new URL("../../plugins/", import.meta.url)))

export interface PluginSource {
  readonly name: string
  readonly dir: string
  readonly index: string
}

const MAX_HASHED = 4 * 1024 * 1024

/** The plugin folders (with an index.ts) under the given directories; the first directory wins a name. */
export const discoverPlugins = (dirs: ReadonlyArray<string>): ReadonlyArray<PluginSource> => {
  const out = new Map<string, PluginSource>()
  for (const root of dirs) {
    if (!existsSync(root)) continue
    let entries: Array<string> = []
    try {
      entries = readdirSync(root).sort()
    } catch {
      continue
    }
    for (const name of entries) {
      if (out.has(name) || name.startsWith(".")) continue
      const dir = join(root, name)
      const index = join(dir, "index.ts")
      try {
        if (statSync(dir).isDirectory() && existsSync(index)) out.set(name, { name, dir, index })
      } catch {
        // vanished while listing
      }
    }
  }
  return [...out.values()]
}

/** A hash of the plugin's files (names and contents), or null when its index.ts is gone. */
export const pluginVersion = (source: PluginSource): string | null => {
  if (!existsSync(source.index)) return null
  const h = createHash("sha1")
  try {
    for (const f of readdirSync(source.dir).sort()) {
      const p = join(source.dir, f)
      const st = statSync(p)
      if (!st.isFile()) continue
      h.update(f).update("\0")
      if (st.size <= MAX_HASHED) h.update(readFileSync(p))
      else h.update(`${st.size}:${st.mtimeMs}`)
      h.update("\0")
    }
  } catch {
    return null
  }
  return h.digest("hex").slice(0, 12)
}

/** Imports a plugin's index.ts at a version (cache-busting query). */
export const importPlugin = (source: PluginSource, version: string): Promise<unknown> =>
  import(`${pathToFileURL(source.index).href}?v=${version}`)
