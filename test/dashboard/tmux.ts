/**
 * A pseudo-terminal for end-to-end tests of the dashboard: a detached tmux session on
 * its own tmux server socket (never the developer's), driven with `send-keys` and read
 * with `capture-pane -p`.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { displayWidth } from "../../src/text/Width.ts"

export const ROOT = fileURLToPath(new URL("../../", import.meta.url))

export const hasTmux = (): boolean => spawnSync("tmux", ["-V"], { encoding: "utf8" }).status === 0

/**
 * The command line that runs `novel-factory dashboard`: `main.ts` once the command is
 * registered there, otherwise the real CLI runner with only the dashboard command.
 */
export const dashboardArgv = (): ReadonlyArray<string> => {
  const index = `${ROOT}src/cli/commands/index.ts`
  const registered = existsSync(index) && /dashboardCommand/.test(readFileSync(index, "utf8"))
  return registered ? [`${ROOT}main.ts`, "dashboard"] : [`${ROOT}test/dashboard/cli.ts`, "dashboard"]
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export interface Terminal {
  readonly name: string
  /** The visible screen as text, one string per row. */
  readonly capture: () => ReadonlyArray<string>
  readonly screen: () => string
  readonly send: (...keys: ReadonlyArray<string>) => void
  /** Types literal text (e.g. Hangul). */
  readonly type: (text: string) => void
  readonly resize: (cols: number, rows: number) => void
  /** The pid of the process running in the pane. */
  readonly pid: () => number
  readonly waitFor: (predicate: (screen: string) => boolean, what: string, timeoutMs?: number) => Promise<string>
  readonly kill: () => void
}

export const openTerminal = (
  command: ReadonlyArray<string>,
  options: { readonly cols: number; readonly rows: number; readonly env: Readonly<Record<string, string>> },
): Terminal => {
  const name = `nf-dash-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const tmux = (...args: ReadonlyArray<string>) => {
    const result = spawnSync("tmux", ["-L", name, "-f", "/dev/null", ...args], {
      encoding: "utf8",
      env: { ...process.env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
    })
    if (result.status !== 0 && args[0] !== "kill-server") throw new Error(`tmux ${args.join(" ")}: ${result.stderr}`)
    return result.stdout
  }
  const env = Object.entries(options.env).map(([k, v]) => `${k}=${quote(v)}`).join(" ")
  // After the dashboard exits: its exit code and the terminal modes, then idle so the pane stays readable.
  const script = `env ${env} ${command.map(quote).join(" ")}; echo "DASHBOARD-EXIT=$?"; stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo; exec sleep 600`
  tmux("new-session", "-d", "-s", "main", "-x", String(options.cols), "-y", String(options.rows), script)
  const capture = () => tmux("capture-pane", "-p", "-t", "main").split("\n").slice(0, -1)
  const screen = () => capture().join("\n")
  return {
    name,
    capture,
    screen,
    send: (...keys) => void tmux("send-keys", "-t", "main", ...keys),
    type: (text) => void tmux("send-keys", "-t", "main", "-l", text),
    resize: (cols, rows) => void tmux("resize-window", "-t", "main", "-x", String(cols), "-y", String(rows)),
    pid: () => Number(tmux("list-panes", "-t", "main", "-F", "#{pane_pid}").trim()),
    waitFor: async (predicate, what, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs
      let last = ""
      while (Date.now() < deadline) {
        last = screen()
        if (predicate(last)) return last
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen was:\n${last}`)
    },
    kill: () => void tmux("kill-server"),
  }
}

/** Display columns at which `ch` occurs in a captured line (wide characters count two). */
export const columnsOf = (line: string, ch: string): ReadonlyArray<number> => {
  const columns: Array<number> = []
  let column = 0
  for (const c of line) {
    if (c === ch) columns.push(column)
    column += displayWidth(c)
  }
  return columns
}
