/**
 * Modes for what the factory writes about its stories: the database, its WAL, backups. Manuscripts,
 * finance and the queue are their owner's alone. A mode given on creation can only be narrowed by
 * the umask, never widened, so these hold whatever the umask is.
 */
import { chmodSync, statSync } from "node:fs"

export const PRIVATE_DIRECTORY_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/**
 * Takes group and other access off a file or directory this user owns (older versions left 0644
 * databases). One owned by someone else is theirs to set, and chmod would fail anyway.
 */
export const restrictToOwner = (path: string): void => {
  let info
  try {
    info = statSync(path)
  } catch {
    return
  }
  if ((info.mode & 0o077) !== 0 && info.uid === process.getuid?.()) chmodSync(path, info.mode & 0o700)
}
