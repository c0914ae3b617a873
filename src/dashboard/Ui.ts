/**
 * What the operator's keys do, as a pure reducer from (ui state, key) to the next ui
 * state and at most one command for the outside world (quit, pause/resume intake).
 * k9s/htop habits: `?` help, `q`/Ctrl-C quit, `p` pause/resume (confirm y/n),
 * Tab focus, `/` filter the events log, arrows/PgUp/PgDn/Home/End scroll.
 */

export const PANELS = ["actors", "latency", "alerts", "finance", "recovery", "events"] as const
export type PanelId = (typeof PANELS)[number]

export type Mode =
  | { readonly _tag: "Normal" }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Confirm"; readonly pause: boolean }
  | { readonly _tag: "Filter"; readonly draft: string }

export interface Notice {
  readonly text: string
  readonly level: "info" | "ok" | "error"
  readonly at: number
}

export interface UiState {
  readonly mode: Mode
  readonly focus: PanelId
  /** Per panel: lines scrolled. Logs count from the newest line (0 = follow), tables from the top. */
  readonly scroll: Readonly<Record<PanelId, number>>
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

export type UiCommand = { readonly _tag: "Quit" } | { readonly _tag: "SetIntake"; readonly paused: boolean }

export const initialUi = (): UiState => ({
  mode: { _tag: "Normal" },
  focus: "events",
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
  /** Lines visible in the focused panel, for page up/down. */
  readonly page: number
}

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
      if (key.name === "q") return { ui, command: { _tag: "Quit" } }
      return { ui: { ...ui, mode: { _tag: "Normal" } } }
    case "Confirm":
      if (key.name === "y" || key.ch === "y" || key.ch === "Y") {
        return {
          ui: { ...ui, mode: { _tag: "Normal" }, notice: { text: mode.pause ? "pausing intake…" : "resuming intake…", level: "info", at: context.now } },
          command: { _tag: "SetIntake", paused: mode.pause },
        }
      }
      if (key.name === "n" || key.name === "escape" || key.name === "q" || key.ch === "n" || key.ch === "N") {
        return { ui: { ...ui, mode: { _tag: "Normal" }, notice: { text: "cancelled", level: "info", at: context.now } } }
      }
      return { ui }
    case "Filter": {
      if (key.name === "enter" || key.name === "return") {
        return { ui: { ...ui, mode: { _tag: "Normal" }, filter: mode.draft, focus: "events", scroll: { ...ui.scroll, events: 0 } } }
      }
      if (key.name === "escape") return { ui: { ...ui, mode: { _tag: "Normal" } } }
      if (key.name === "backspace") return { ui: { ...ui, mode: { _tag: "Filter", draft: [...mode.draft].slice(0, -1).join("") } } }
      if (key.ch !== undefined && key.ch.length > 0 && !key.ctrl && !/[\x00-\x1f\x7f]/.test(key.ch)) {
        return { ui: { ...ui, mode: { _tag: "Filter", draft: mode.draft + key.ch } } }
      }
      return { ui }
    }
    case "Normal":
      break
  }
  switch (key.name) {
    case "q":
      return { ui, command: { _tag: "Quit" } }
    case "?":
      return { ui: { ...ui, mode: { _tag: "Help" } } }
    case "p":
      if (context.paused === null) return { ui: { ...ui, notice: { text: "intake state unknown (not connected)", level: "error", at: context.now } } }
      return { ui: { ...ui, mode: { _tag: "Confirm", pause: !context.paused } } }
    case "/":
      return { ui: { ...ui, mode: { _tag: "Filter", draft: ui.filter } } }
    case "escape":
      return { ui: { ...ui, filter: "", notice: null } }
    case "tab": {
      const i = PANELS.indexOf(ui.focus)
      const next = PANELS[(i + (key.shift ? PANELS.length - 1 : 1)) % PANELS.length]!
      return { ui: { ...ui, focus: next } }
    }
    case "S-tab": {
      const i = PANELS.indexOf(ui.focus)
      return { ui: { ...ui, focus: PANELS[(i + PANELS.length - 1) % PANELS.length]! } }
    }
    case "up":
    case "k":
      return { ui: scrollBy(ui, -1) }
    case "down":
    case "j":
      return { ui: scrollBy(ui, 1) }
    case "pageup":
      return { ui: scrollBy(ui, -Math.max(1, context.page - 1)) }
    case "pagedown":
      return { ui: scrollBy(ui, Math.max(1, context.page - 1)) }
    case "home":
    case "g":
      return { ui: scrollTo(ui, "start") }
    case "end":
      return { ui: scrollTo(ui, "end") }
    default:
      if (key.ch === "?") return { ui: { ...ui, mode: { _tag: "Help" } } }
      if (key.ch === "/") return { ui: { ...ui, mode: { _tag: "Filter", draft: ui.filter } } }
      if (key.ch === "G") return { ui: scrollTo(ui, "end") }
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
  ["p", "pause / resume intake (asks y/n)"],
  ["Tab, Shift-Tab", "move focus between panels"],
  ["/", "filter the events log (Enter apply, Esc cancel)"],
  ["Esc", "clear the filter"],
  ["↑ ↓ j k", "scroll the focused panel"],
  ["PgUp PgDn", "scroll a page"],
  ["Home/g End/G", "oldest / newest (follow)"],
]
