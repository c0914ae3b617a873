/**
 * What the operator's keys do, as a pure reducer from (ui state, key) to the next ui
 * state and at most one command for the outside world (quit, pause/resume intake, retry or
 * skip a dead episode, hold, resume, cancel or delete a project). k9s/htop habits: `?` help,
 * `q`/Ctrl-C quit, `1`–`4` switch views (overview, projects, dead letters, workers), `p`
 * pause/resume, `r` retry, `s` skip (asks the reason), `h` hold, `u` resume, `c` cancel — every
 * action behind a y/n confirm — and `x` delete, confirmed by typing the project's slug. Enter
 * shows the selected row in full, Tab focus, `/` filter the events log, arrows/PgUp/PgDn/Home/End
 * scroll or select.
 */

export const PANELS = ["actors", "latency", "alerts", "finance", "recovery", "events"] as const
export type PanelId = (typeof PANELS)[number]

/** The overview (the panels) and the operator's tables, each a key away. */
export const VIEWS = ["overview", "projects", "dead", "workers"] as const
export type ViewId = (typeof VIEWS)[number]
/** The views that are one table with a selected row. */
export type ListViewId = Exclude<ViewId, "overview">
/** Where a row can be selected: each table view, and the overview's alerts panel. */
export type ListId = ListViewId | "alerts"

export const VIEW_TITLES: Record<ViewId, string> = { overview: "Overview", projects: "Projects", dead: "Dead letters", workers: "Workers" }

/** An action the operator confirms with y before it is sent. */
export type Action =
  | { readonly _tag: "SetIntake"; readonly paused: boolean }
  | { readonly _tag: "Retry"; readonly project: string; readonly episode: number }
  | { readonly _tag: "Skip"; readonly project: string; readonly episode: number; readonly reason: string }
  | { readonly _tag: "Hold"; readonly project: string }
  | { readonly _tag: "Resume"; readonly project: string }
  | { readonly _tag: "Cancel"; readonly project: string }
  | { readonly _tag: "Delete"; readonly project: string }

export type Mode =
  | { readonly _tag: "Normal" }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Confirm"; readonly action: Action }
  | { readonly _tag: "Filter"; readonly draft: string }
  /** Typing why an episode is skipped (the skip then asks y/n). */
  | { readonly _tag: "Reason"; readonly project: string; readonly episode: number; readonly draft: string }
  /** Typing the project's slug to delete it: nothing less confirms a delete. */
  | { readonly _tag: "DeleteSlug"; readonly project: string; readonly draft: string }
  /** The selected row (an alert, a dead letter, a project, a worker) in full. */
  | { readonly _tag: "Detail" }

export interface Notice {
  readonly text: string
  readonly level: "info" | "ok" | "error"
  readonly at: number
}

export interface UiState {
  readonly mode: Mode
  readonly view: ViewId
  readonly focus: PanelId
  /** Per panel: lines scrolled. Logs count from the newest line (0 = follow), tables from the top. */
  readonly scroll: Readonly<Record<PanelId, number>>
  /** Per table view (and the alerts panel): the selected row (clamped to the rows there are when drawn). */
  readonly selected: Readonly<Record<ListId, number>>
  readonly filter: string
  readonly notice: Notice | null
}

export interface Key {
  /** blessed's key name: `q`, `tab`, `up`, `enter`, `escape`, `backspace` … */
  readonly name: string
  /** The character typed, if any (Hangul arrives here too). */
  readonly ch?: string | undefined
  readonly ctrl?: boolean
  readonly shift?: boolean
}

export type UiCommand = { readonly _tag: "Quit" } | Action

export const initialUi = (): UiState => ({
  mode: { _tag: "Normal" },
  view: "overview",
  focus: "events",
  selected: { projects: 0, dead: 0, workers: 0, alerts: 0 },
  scroll: { actors: 0, latency: 0, alerts: 0, finance: 0, recovery: 0, events: 0 },
  filter: "",
  notice: null,
})

/** Panels whose scroll offset counts from the newest (bottom) line. */
export const TAILING: ReadonlySet<PanelId> = new Set(["recovery", "events"])

export interface KeyContext {
  /** Whether intake is paused now (null while unknown: `p` then says so). */
  readonly paused: boolean | null
  readonly now: number
  /** Lines visible in the focused panel (or the table), for page up/down. */
  readonly page: number
  /** Rows of the current table view (in the overview: the alerts, when they have the focus). */
  readonly rows?: number
  /** The dead letter selected in the dead-letter view, if any: what `r` and `s` act on. */
  readonly deadLetter?: { readonly project: string; readonly episode: number; readonly state: "dead" | "held" } | null
  /** The project selected in the projects view, if any: what `h`, `u`, `c` and `x` act on. */
  readonly project?: string | null
}

const notice = (ui: UiState, text: string, level: Notice["level"], at: number): UiState => ({ ...ui, notice: { text, level, at } })

const describeAction = (action: Action): string => {
  switch (action._tag) {
    case "SetIntake":
      return action.paused ? "pausing intake…" : "resuming intake…"
    case "Retry":
      return `retrying ${action.project} #${action.episode}…`
    case "Skip":
      return `skipping ${action.project} #${action.episode}…`
    case "Hold":
      return `holding ${action.project}…`
    case "Resume":
      return `resuming ${action.project}…`
    case "Cancel":
      return `cancelling ${action.project}'s queued episodes…`
    case "Delete":
      return `deleting ${action.project}…`
  }
}

/** The confirm prompt's question. */
export const confirmQuestion = (action: Action): string => {
  switch (action._tag) {
    case "SetIntake":
      return `${action.paused ? "Pause" : "Resume"} intake on the server? (y/n)`
    case "Retry":
      return `Retry ${action.project} #${action.episode} (back to the queue, deliveries reset)? (y/n)`
    case "Skip":
      return `Skip ${action.project} #${action.episode} (a visible gap: ${action.reason})? (y/n)`
    case "Hold":
      return `Hold ${action.project} (no more episodes handed out; those in flight finish)? (y/n)`
    case "Resume":
      return `Resume ${action.project} (hand out its episodes again)? (y/n)`
    case "Cancel":
      return `Cancel ${action.project}'s queued episodes (those no worker holds)? (y/n)`
    case "Delete":
      return `Delete ${action.project} for good? Type its slug and Enter (Esc cancels)`
  }
}

/** The list whose row the arrows select, if the arrows select rather than scroll. */
export const activeList = (ui: UiState): ListId | null => (ui.view !== "overview" ? ui.view : ui.focus === "alerts" ? "alerts" : null)

const select = (ui: UiState, view: ListId, rows: number, to: (current: number) => number): UiState => {
  const next = Math.max(0, Math.min(Math.max(0, rows - 1), to(Math.min(ui.selected[view], Math.max(0, rows - 1)))))
  return { ...ui, selected: { ...ui.selected, [view]: next } }
}

const typed = (key: Key): string | null =>
  key.ch !== undefined && key.ch.length > 0 && !key.ctrl && !/[\x00-\x1f\x7f]/.test(key.ch) ? key.ch : null

const scrollBy = (ui: UiState, delta: number): UiState => {
  // For tailing logs "up" means older lines: a larger offset from the bottom.
  const signed = TAILING.has(ui.focus) ? -delta : delta
  const next = Math.max(0, ui.scroll[ui.focus] + signed)
  return { ...ui, scroll: { ...ui.scroll, [ui.focus]: next } }
}

const scrollTo = (ui: UiState, where: "start" | "end"): UiState => {
  const tail = TAILING.has(ui.focus)
  const value = (where === "start") === tail ? Number.MAX_SAFE_INTEGER : 0
  return { ...ui, scroll: { ...ui.scroll, [ui.focus]: value } }
}

const isQuit = (key: Key) => key.name === "C-c" || (key.ctrl === true && key.name === "c")

export const handleKey = (ui: UiState, key: Key, context: KeyContext): { ui: UiState; command?: UiCommand } => {
  if (isQuit(key)) return { ui, command: { _tag: "Quit" } }
  const mode = ui.mode
  switch (mode._tag) {
    case "Help":
    case "Detail":
      if (key.name === "q") return { ui, command: { _tag: "Quit" } }
      return { ui: { ...ui, mode: { _tag: "Normal" } } }
    case "Confirm":
      if (key.name === "y" || key.ch === "y" || key.ch === "Y") {
        return { ui: notice({ ...ui, mode: { _tag: "Normal" } }, describeAction(mode.action), "info", context.now), command: mode.action }
      }
      if (key.name === "n" || key.name === "escape" || key.name === "q" || key.ch === "n" || key.ch === "N") {
        return { ui: notice({ ...ui, mode: { _tag: "Normal" } }, "cancelled", "info", context.now) }
      }
      return { ui }
    case "Filter": {
      if (key.name === "enter" || key.name === "return") {
        return { ui: { ...ui, mode: { _tag: "Normal" }, view: "overview", filter: mode.draft, focus: "events", scroll: { ...ui.scroll, events: 0 } } }
      }
      if (key.name === "escape") return { ui: { ...ui, mode: { _tag: "Normal" } } }
      if (key.name === "backspace") return { ui: { ...ui, mode: { _tag: "Filter", draft: [...mode.draft].slice(0, -1).join("") } } }
      const ch = typed(key)
      return ch === null ? { ui } : { ui: { ...ui, mode: { _tag: "Filter", draft: mode.draft + ch } } }
    }
    case "Reason": {
      if (key.name === "enter" || key.name === "return") {
        const reason = mode.draft.trim()
        if (reason === "") return { ui: notice(ui, "a skip needs a reason (Esc cancels)", "error", context.now) }
        return { ui: { ...ui, mode: { _tag: "Confirm", action: { _tag: "Skip", project: mode.project, episode: mode.episode, reason } } } }
      }
      if (key.name === "escape") return { ui: notice({ ...ui, mode: { _tag: "Normal" } }, "cancelled", "info", context.now) }
      if (key.name === "backspace") return { ui: { ...ui, mode: { ...mode, draft: [...mode.draft].slice(0, -1).join("") } } }
      const ch = typed(key)
      return ch === null ? { ui } : { ui: { ...ui, mode: { ...mode, draft: mode.draft + ch } } }
    }
    case "DeleteSlug": {
      if (key.name === "enter" || key.name === "return") {
        if (mode.draft !== mode.project) return { ui: notice(ui, `type '${mode.project}' exactly to delete it (Esc cancels)`, "error", context.now) }
        const action: Action = { _tag: "Delete", project: mode.project }
        return { ui: notice({ ...ui, mode: { _tag: "Normal" } }, describeAction(action), "info", context.now), command: action }
      }
      if (key.name === "escape") return { ui: notice({ ...ui, mode: { _tag: "Normal" } }, "cancelled", "info", context.now) }
      if (key.name === "backspace") return { ui: { ...ui, mode: { ...mode, draft: [...mode.draft].slice(0, -1).join("") } } }
      const ch = typed(key)
      return ch === null ? { ui } : { ui: { ...ui, mode: { ...mode, draft: mode.draft + ch } } }
    }
    case "Normal":
      break
  }
  const view = ui.view
  const rows = context.rows ?? 0
  const inTable = view !== "overview"
  const list = activeList(ui)
  const switchTo = (next: ViewId) => ({ ui: { ...ui, view: next, notice: null } })
  switch (key.name) {
    case "q":
      return { ui, command: { _tag: "Quit" } }
    case "?":
      return { ui: { ...ui, mode: { _tag: "Help" } } }
    case "1":
      return switchTo("overview")
    case "2":
      return switchTo("projects")
    case "3":
      return switchTo("dead")
    case "4":
      return switchTo("workers")
    case "p":
      if (context.paused === null) return { ui: notice(ui, "intake state unknown (not connected)", "error", context.now) }
      return { ui: { ...ui, mode: { _tag: "Confirm", action: { _tag: "SetIntake", paused: !context.paused } } } }
    case "r":
    case "s": {
      if (view !== "dead") return { ui: notice(ui, `${key.name === "r" ? "retry" : "skip"} acts on a dead letter: press 3, select one`, "error", context.now) }
      const target = context.deadLetter ?? null
      if (target === null) return { ui: notice(ui, "no dead letter selected", "error", context.now) }
      return key.name === "r"
        ? { ui: { ...ui, mode: { _tag: "Confirm", action: { _tag: "Retry", project: target.project, episode: target.episode } } } }
        : { ui: { ...ui, mode: { _tag: "Reason", project: target.project, episode: target.episode, draft: "" } } }
    }
    case "h":
    case "u":
    case "c":
    case "x": {
      const verb = key.name === "h" ? "hold" : key.name === "u" ? "resume" : key.name === "c" ? "cancel" : "delete"
      if (view !== "projects") return { ui: notice(ui, `${verb} acts on a project: press 2, select one`, "error", context.now) }
      const project = context.project ?? null
      if (project === null) return { ui: notice(ui, "no project selected", "error", context.now) }
      if (key.name === "x") return { ui: { ...ui, mode: { _tag: "DeleteSlug", project, draft: "" } } }
      const action: Action = key.name === "h" ? { _tag: "Hold", project } : key.name === "u" ? { _tag: "Resume", project } : { _tag: "Cancel", project }
      return { ui: { ...ui, mode: { _tag: "Confirm", action } } }
    }
    case "enter":
    case "return":
      return list !== null && rows > 0 ? { ui: { ...ui, mode: { _tag: "Detail" } } } : { ui }
    case "/":
      return { ui: { ...ui, mode: { _tag: "Filter", draft: ui.filter } } }
    case "escape":
      return { ui: { ...ui, filter: "", notice: null, ...(inTable ? { view: "overview" as const } : {}) } }
    case "tab": {
      if (inTable) return { ui }
      const i = PANELS.indexOf(ui.focus)
      const next = PANELS[(i + (key.shift ? PANELS.length - 1 : 1)) % PANELS.length]!
      return { ui: { ...ui, focus: next } }
    }
    case "S-tab": {
      if (inTable) return { ui }
      const i = PANELS.indexOf(ui.focus)
      return { ui: { ...ui, focus: PANELS[(i + PANELS.length - 1) % PANELS.length]! } }
    }
    case "up":
    case "k":
      return { ui: list ? select(ui, list, rows, (n) => n - 1) : scrollBy(ui, -1) }
    case "down":
    case "j":
      return { ui: list ? select(ui, list, rows, (n) => n + 1) : scrollBy(ui, 1) }
    case "pageup":
      return { ui: list ? select(ui, list, rows, (n) => n - Math.max(1, context.page - 1)) : scrollBy(ui, -Math.max(1, context.page - 1)) }
    case "pagedown":
      return { ui: list ? select(ui, list, rows, (n) => n + Math.max(1, context.page - 1)) : scrollBy(ui, Math.max(1, context.page - 1)) }
    case "home":
    case "g":
      return { ui: list ? select(ui, list, rows, () => 0) : scrollTo(ui, "start") }
    case "end":
      return { ui: list ? select(ui, list, rows, () => rows - 1) : scrollTo(ui, "end") }
    default:
      if (key.ch === "?") return { ui: { ...ui, mode: { _tag: "Help" } } }
      if (key.ch === "/") return { ui: { ...ui, mode: { _tag: "Filter", draft: ui.filter } } }
      if (key.ch === "G") return { ui: list ? select(ui, list, rows, () => rows - 1) : scrollTo(ui, "end") }
      return { ui }
  }
}

/**
 * The window of `total` lines that a panel of `height` lines shows at a scroll offset,
 * clamped; for tailing panels the offset counts back from the newest line.
 */
export const visibleWindow = (total: number, height: number, offset: number, tailing: boolean): { start: number; end: number; offset: number } => {
  const maxOffset = Math.max(0, total - height)
  const clamped = Math.min(Math.max(0, offset), maxOffset)
  const start = tailing ? Math.max(0, total - height - clamped) : clamped
  return { start, end: Math.min(total, start + height), offset: clamped }
}

export const HELP_LINES: ReadonlyArray<readonly [string, string]> = [
  ["?", "show / hide this help"],
  ["q, Ctrl-C", "quit (the terminal is restored)"],
  ["1 2 3 4", "overview · projects · dead letters · workers"],
  ["p", "pause / resume intake (asks y/n)"],
  ["r", "dead letters: retry the selected one (asks y/n)"],
  ["s", "dead letters: skip it, with a reason (asks y/n)"],
  ["h u c", "projects: hold · resume · cancel its queued episodes (asks y/n)"],
  ["x", "projects: delete it (type its slug to confirm)"],
  ["Enter", "the selected row (alert, dead letter …) in full"],
  ["Tab, Shift-Tab", "overview: move focus between panels"],
  ["/", "filter the events log (Enter apply, Esc cancel)"],
  ["Esc", "clear the filter; back to the overview"],
  ["↑ ↓ j k", "scroll the focused panel / select a row"],
  ["PgUp PgDn", "a page"],
  ["Home/g End/G", "oldest / newest (follow); first / last row"],
]
