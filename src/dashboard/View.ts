/**
 * The terminal view: blessed boxes (and blessed-contrib's line chart) laid out by
 * `Layout.ts`, filled from the model by width-aware text rendering (`Width.ts`).
 * The view owns no data: `render(state, ui, now)` redraws from scratch, cheaply —
 * only the visible lines of a 10 000-line log are ever handed to blessed.
 */
import { createRequire } from "node:module"
import { type DashboardLayout, innerHeight, innerWidth, layout, type Rect } from "./Layout.ts"
import {
  activeAlerts,
  actorRows,
  alertText,
  clock,
  deadLetterText,
  type DashboardState,
  filterLog,
  formatDuration,
  latencyTable,
  type Level,
  type LogEntry,
  logEntries,
  logSize,
  projectRows,
  queueLevel,
  ratePerMinute,
  selectedRow,
  type Thresholds,
  throughputSeries,
} from "./Model.ts"
import { formatMsCompact } from "../util/Units.ts"
import { colorsOf, type Palette, paletteFor, terminalFor } from "./Palette.ts"
import { confirmQuestion, HELP_LINES, type Key, type ListViewId, type PanelId, TAILING, type UiState, VIEW_TITLES, VIEWS, visibleWindow } from "./Ui.ts"
import { type Column, columnWidths, displayWidth, fit, oneLine, padEnd, truncate, truncateStart } from "../text/Width.ts"

// ---------------------------------------------------------------------------------------
// The slice of blessed's API used here. blessed ships no types, and @types/blessed (0.1.27) does
// not cover this use: it types the screen's `input` as a Writable, has no `tput.unicode`,
// `tput.brokenACS`, `tput.colors` or `program.terminal`, and gives widths as `number | string`
// (tried: eight casts where this slice needs none).

interface BlessedStyle {
  fg?: string
  bg?: string
  bold?: boolean
  border?: { fg?: string }
  label?: { fg?: string; bold?: boolean }
  [key: string]: unknown
}

interface BlessedElement {
  top: number
  left: number
  width: number
  height: number
  style: BlessedStyle
  hidden: boolean
  setContent(text: string): void
  setLabel(text: string): void
  show(): void
  hide(): void
  destroy(): void
  setFront(): void
}

interface BlessedScreen {
  readonly width: number
  readonly height: number
  readonly fullUnicode: boolean
  readonly program: { readonly terminal: string; readonly tput: { error?: Error | null } }
  readonly tput: { unicode: boolean; brokenACS: boolean; readonly colors?: number }
  render(): void
  destroy(): void
  append(element: BlessedElement): void
  on(event: "keypress", handler: (ch: string | undefined, key: BlessedKey | undefined) => void): void
  on(event: "resize" | "warning" | "destroy", handler: (...args: Array<unknown>) => void): void
}

interface BlessedKey {
  readonly name?: string
  readonly full?: string
  readonly ctrl?: boolean
  readonly shift?: boolean
}

interface ChartSeries {
  readonly title: string
  readonly x: ReadonlyArray<string>
  readonly y: ReadonlyArray<number>
  readonly style: { readonly line: string }
}

interface LineChart extends BlessedElement {
  options: { maxY?: number }
  setData(series: ReadonlyArray<ChartSeries>): void
}

interface Blessed {
  screen(options: Record<string, unknown>): BlessedScreen
  box(options: Record<string, unknown>): BlessedElement
  escape(text: string): string
  unicode: { charWidth(text: string, index?: number): number }
}

const require = createRequire(import.meta.url)
const blessed = require("blessed") as Blessed
const contribLine = require("blessed-contrib/lib/widget/charts/line.js") as (options: Record<string, unknown>) => LineChart

// ---------------------------------------------------------------------------------------
// Text with colours

interface Seg {
  readonly text: string
  readonly color?: string | undefined
  readonly bold?: boolean
}

const widthAgrees = new Map<number, boolean>()

/**
 * Replaces the few characters on whose width blessed's (older) table and ours disagree
 * (some emoji) with `?`, so a line never shifts the panel border: the terminal, blessed
 * and our padding then all count the same columns.
 */
export const sanitize = (text: string): string => {
  const flat = oneLine(text)
  if (/^[\x20-\x7e]*$/.test(flat)) return flat
  let out = ""
  for (const ch of flat) {
    const code = ch.codePointAt(0)!
    if (code < 0x1100) {
      out += ch
      continue
    }
    let ok = widthAgrees.get(code)
    if (ok === undefined) {
      ok = blessed.unicode.charWidth(ch, 0) === displayWidth(ch)
      widthAgrees.set(code, ok)
    }
    out += ok ? ch : "?"
  }
  return out
}

/** The palette of a 256-colour terminal: what functions drawing for no screen in particular use. */
const FULL_PALETTE = paletteFor(256)

/** Segments are written with "gray" for secondary text; the palette says what that is on this terminal. */
const tag = (seg: Seg, text: string, palette: Palette): string => {
  let out = blessed.escape(text)
  if (seg.bold) out = `{bold}${out}{/bold}`
  const color = seg.color === "gray" ? palette.dim : seg.color
  if (color) out = `{${color}-fg}${out}{/${color}-fg}`
  return out
}

/** Segments cut to `width` display columns (ellipsis at the cut), padded to exactly `width`, as blessed tags. */
export const renderSegs = (segs: ReadonlyArray<Seg>, width: number, pad = true, palette: Palette = FULL_PALETTE): string => {
  let used = 0
  let out = ""
  const clean = segs.map((s) => ({ ...s, text: sanitize(s.text) }))
  const total = clean.reduce((sum, s) => sum + displayWidth(s.text), 0)
  for (const seg of clean) {
    const room = width - used
    if (room <= 0) break
    const w = displayWidth(seg.text)
    if (total > width && used + w >= width) {
      const cut = truncate(seg.text, room)
      out += tag(seg, cut, palette)
      used += displayWidth(cut)
      break
    }
    out += tag(seg, seg.text, palette)
    used += w
  }
  return pad ? out + " ".repeat(Math.max(0, width - used)) : out
}

const LEVEL_COLOR: Record<Level, string | undefined> = { info: undefined, ok: "green", warn: "yellow", error: "red" }

const STATE_COLOR: Record<string, string> = {
  running: "green",
  starting: "cyan",
  "backing-off": "yellow",
  stopped: "red",
  closed: "green",
  "half-open": "yellow",
  open: "red",
}

/** A table row: each cell fitted to its column by display width, then coloured. */
const tableLine = (columns: ReadonlyArray<Column>, cells: ReadonlyArray<Seg>, width: number, palette: Palette): string => {
  const widths = columnWidths(columns, width)
  const parts = columns.map((column, i) => {
    const seg = cells[i] ?? { text: "" }
    const w = widths[i]!
    const text = sanitize(seg.text)
    const fitted = column.keepEnd && displayWidth(text) > w ? padEnd(truncateStart(text, w), w) : fit(text, w, column.align ?? "left")
    return tag(seg, fitted, palette)
  })
  const used = widths.reduce((a, b) => a + b, 0) + Math.max(0, columns.length - 1)
  return parts.join(" ") + " ".repeat(Math.max(0, width - used))
}

const header = (columns: ReadonlyArray<Column>, width: number, palette: Palette): string =>
  tableLine(columns, columns.map((c) => ({ text: c.title, bold: true })), width, palette)

const logLine = (entry: LogEntry, width: number, palette: Palette): string =>
  renderSegs([{ text: `${clock(entry.at)} `, color: "gray" }, { text: entry.text, color: LEVEL_COLOR[entry.level] }], width, true, palette)

// ---------------------------------------------------------------------------------------
// Screen

export interface ViewOptions {
  readonly version: string
  readonly url: string
  readonly thresholds: Thresholds
  readonly input?: NodeJS.ReadableStream
  readonly output?: NodeJS.WritableStream
  /** Overrides `$TERM`. */
  readonly terminal?: string
}

export interface View {
  readonly render: (state: DashboardState, ui: UiState, now: number) => void
  readonly onKey: (handler: (key: Key) => void) => void
  readonly onResize: (handler: () => void) => void
  /** Lines of content of a panel (page size for PgUp/PgDn). */
  readonly page: (panel: PanelId) => number
  /** Rows a table view shows at once. */
  readonly tablePage: () => number
  readonly destroy: () => void
  /** The terminal blessed ended up using (after any fallback). */
  readonly terminal: string
}

/**
 * Opens the screen. A terminfo that blessed cannot compile (`xterm-256color`'s
 * Setulc …) makes blessed fall back to its bundled xterm description; its noisy
 * dumps to stderr are silenced here, and if the screen still cannot be made we retry
 * with plain `xterm`.
 */
const openScreen = (options: ViewOptions): BlessedScreen => {
  const wanted = terminalFor(options.terminal ?? process.env["TERM"])
  const candidates = [...new Set([wanted, "xterm-256color", "xterm"])]
  const quiet = console.error
  const quietLog = console.log
  console.error = () => undefined
  console.log = () => undefined
  let lastError: unknown
  try {
    for (const terminal of candidates) {
      try {
        const screen = blessed.screen({
          fullUnicode: true,
          smartCSR: true,
          autoPadding: true,
          dockBorders: false,
          terminal,
          title: "novel-factory dashboard",
          resizeTimeout: 100,
          ...(options.input ? { input: options.input } : {}),
          ...(options.output ? { output: options.output } : {}),
        })
        screen.on("warning", () => undefined)
        // In a UTF-8 terminal draw borders with Unicode box characters rather than the
        // alternate character set, which multiplexers and fallback terminfos often mangle.
        if (screen.tput.unicode) screen.tput.brokenACS = true
        return screen
      } catch (error) {
        lastError = error
      }
    }
  } finally {
    console.error = quiet
    console.log = quietLog
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError))
}

type BoxId = "header" | "latency" | "queue" | "actors" | "alerts" | "finance" | "recovery" | "events" | "table" | "footer"
const OVERVIEW_BOXES = ["latency", "queue", "actors", "alerts", "finance", "recovery", "events"] as const

const TITLES: Record<PanelId | "queue" | "throughput", string> = {
  actors: "Actors",
  latency: "Latency p50/p95",
  alerts: "Alerts",
  finance: "Finance",
  recovery: "Recovery",
  events: "Events",
  queue: "Queue",
  throughput: "Throughput /min",
}

const ACTOR_COLUMNS: ReadonlyArray<Column> = [
  { title: "path", width: "flex", keepEnd: true, weight: 3 },
  { title: "state", width: 11 },
  { title: "rst", width: 3, align: "right" },
  { title: "back-off", width: 8, align: "right" },
  { title: "last error", width: "flex", weight: 2 },
]

const ACTOR_COLUMNS_NARROW: ReadonlyArray<Column> = [
  { title: "path", width: "flex", keepEnd: true, weight: 3 },
  { title: "state", width: 10 },
  { title: "rst", width: 3, align: "right" },
  { title: "last error", width: "flex", weight: 2 },
]

const PROJECT_COLUMNS: ReadonlyArray<Column> = [
  { title: "project", width: "flex", weight: 2 },
  { title: "done", width: 5, align: "right" },
  { title: "queue", width: 5, align: "right" },
  { title: "dead", width: 4, align: "right" },
  { title: "beats", width: 5, align: "right" },
  { title: "$today", width: 7, align: "right" },
  { title: "held", width: "flex", weight: 4 },
]

const DEAD_LETTER_COLUMNS: ReadonlyArray<Column> = [
  { title: "project", width: "flex", weight: 2 },
  { title: "ep", width: 5, align: "right" },
  { title: "state", width: 5 },
  { title: "dlv", width: 3, align: "right" },
  { title: "since", width: 8 },
  { title: "cause", width: "flex", weight: 4 },
]

const WORKER_COLUMNS: ReadonlyArray<Column> = [
  { title: "worker", width: "flex", keepEnd: true, weight: 2 },
  { title: "job", width: "flex", weight: 2 },
  { title: "stage", width: 8 },
  { title: "in stage", width: 8, align: "right" },
  { title: "held for", width: 8, align: "right" },
]

const LATENCY_COLUMNS: ReadonlyArray<Column> = [
  { title: "stage", width: "flex" },
  { title: "p50", width: 5, align: "right" },
  { title: "p95", width: 5, align: "right" },
  { title: "n", width: 4, align: "right" },
]

const FINANCE_COLUMNS: ReadonlyArray<Column> = [
  { title: "date", width: "flex" },
  { title: "cost", width: 8, align: "right" },
  { title: "sales", width: 8, align: "right" },
  { title: "profit", width: 8, align: "right" },
]

const FINANCE_COLUMNS_NARROW: ReadonlyArray<Column> = [
  { title: "day", width: "flex" },
  { title: "cost", width: 5, align: "right" },
  { title: "prof", width: 5, align: "right" },
]

const money = (n: number): string => (Math.abs(n) >= 1000 ? n.toFixed(0) : n.toFixed(2))
/** At most five columns: `-2.50`, `123`, `12k`. */
const moneyShort = (n: number): string =>
  Math.abs(n) < 100 ? n.toFixed(2) : Math.abs(n) < 10_000 ? n.toFixed(0) : `${(n / 1000).toFixed(0)}k`

export const createView = (options: ViewOptions): View => {
  const screen = openScreen(options)
  const palette = paletteFor(colorsOf(screen.tput.colors, screen.program.terminal))
  const paint = (segs: ReadonlyArray<Seg>, width: number, pad = true) => renderSegs(segs, width, pad, palette)
  const tableRow = (columns: ReadonlyArray<Column>, cells: ReadonlyArray<Seg>, width: number) => tableLine(columns, cells, width, palette)
  const heading = (columns: ReadonlyArray<Column>, width: number) => header(columns, width, palette)
  const logRow = (entry: LogEntry, width: number) => logLine(entry, width, palette)
  let current: DashboardLayout = layout(screen.width, screen.height)
  const boxes = new Map<BoxId, BlessedElement>()

  const boxFor = (id: BoxId, rect: Rect, bordered: boolean): BlessedElement => {
    const box = blessed.box({
      parent: screen,
      ...rect,
      tags: true,
      wrap: false,
      ...(bordered ? { border: { type: "line" }, label: ` ${TITLES[id as PanelId] ?? id} ` } : {}),
      style: { border: { fg: palette.border }, label: { fg: "white" } },
    })
    boxes.set(id, box)
    return box
  }

  boxFor("header", current.header, false)
  for (const id of OVERVIEW_BOXES) boxFor(id, current[id], true)
  boxFor("table", current.table, true).hide()
  boxFor("footer", current.footer, false)
  const detail = blessed.box({
    parent: screen,
    top: "center",
    left: "center",
    width: Math.min(76, current.cols - 4),
    height: Math.min(16, current.rows - 4),
    tags: true,
    wrap: true,
    hidden: true,
    border: { type: "line" },
    label: " Detail — any key closes ",
    style: { border: { fg: palette.focus }, bg: "black" },
  })
  const help = blessed.box({
    parent: screen,
    top: "center",
    left: "center",
    width: 60,
    height: HELP_LINES.length + 4,
    tags: true,
    hidden: true,
    border: { type: "line" },
    label: " Help — any key closes ",
    style: { border: { fg: "cyan" }, bg: "black" },
  })

  let chart: LineChart | null = null
  let chartSignature = ""
  const makeChart = () => {
    chart?.destroy()
    const rect = current.throughput
    chart = contribLine({
      ...rect,
      label: ` ${TITLES.throughput} `,
      tags: true,
      border: { type: "line" },
      showLegend: false,
      wholeNumbersOnly: true,
      minY: 0,
      numYLabels: Math.max(2, Math.min(5, Math.floor((rect.height - 4) / 2))),
      xLabelPadding: 3,
      xPadding: 5,
      style: { line: "green", text: "white", baseline: "white", border: { fg: palette.border } },
    })
    screen.append(chart)
    chartSignature = ""
  }
  makeChart()

  const applyLayout = () => {
    current = layout(screen.width, screen.height)
    for (const [id, box] of boxes) {
      const rect = current[id]
      box.top = rect.top
      box.left = rect.left
      box.width = rect.width
      box.height = rect.height
    }
    help.width = Math.min(60, current.cols - 4)
    detail.width = Math.min(76, current.cols - 4)
    makeChart()
  }

  // Filtering 10 000 lines once per change, not once per frame.
  let filterCache: { version: number; filter: string; lines: ReadonlyArray<LogEntry> } | null = null
  const filtered = (state: DashboardState, filter: string): ReadonlyArray<LogEntry> => {
    if (filterCache && filterCache.version === state.events.version && filterCache.filter === filter) return filterCache.lines
    const lines = filterLog(logEntries(state.events), filter)
    filterCache = { version: state.events.version, filter, lines }
    return lines
  }

  /** A panel's title, cut to fit its top border (blessed would wrap it into the content). */
  const frame = (id: BoxId, ui: UiState, label: string) => {
    const box = boxes.get(id)!
    const focused = ui.focus === id
    box.style.border = { fg: focused ? palette.focus : palette.border }
    const text = paint([{ text: label, ...(focused ? { color: "cyan", bold: true } : {}) }], Math.max(1, current[id].width - 6), false)
    box.setLabel(` ${text} `)
  }

  const setLines = (id: BoxId, lines: ReadonlyArray<string>) => boxes.get(id)!.setContent(lines.join("\n"))
  /** The selected row of a list, in reverse video. */
  const selectable = (selected: boolean, line: string) => (selected ? `{inverse}${line}{/inverse}` : line)

  /** A table view: its rows, the selected one kept in sight and highlighted. */
  const renderTable = (view: ListViewId, title: string, columns: ReadonlyArray<Column>, rows: ReadonlyArray<ReadonlyArray<Seg>>, ui: UiState, empty: string, hint: string) => {
    const rect = current.table
    const width = innerWidth(rect)
    const height = Math.max(0, innerHeight(rect) - 1)
    const chosen = Math.min(ui.selected[view], rows.length - 1)
    const window = visibleWindow(rows.length, height, Math.max(0, chosen - height + 1), false)
    const box = boxes.get("table")!
    box.style.border = { fg: palette.focus }
    box.setLabel(` ${paint([{ text: `${title} (${rows.length})`, bold: true, color: palette.focus }, { text: rows.length > 0 ? ` — ${hint}` : "" }], Math.max(1, width - 4), false)} `)
    const body = rows.length === 0
      ? [paint([{ text: empty, color: "gray" }], width)]
      : rows.slice(window.start, window.end).map((cells, i) => selectable(window.start + i === chosen, tableRow(columns, cells, width)))
    setLines("table", [heading(columns, width), ...body])
  }

  const titleOf = (state: DashboardState, slug: string) => {
    const title = state.titles.get(slug)
    return title && title !== slug ? `${title} (${slug})` : slug
  }

  const renderProjects = (state: DashboardState, ui: UiState) =>
    renderTable(
      "projects",
      VIEW_TITLES.projects,
      PROJECT_COLUMNS,
      projectRows(state).map((p) => [
        { text: titleOf(state, p.slug), bold: true },
        { text: String(p.committed), color: "green" },
        { text: p.inFlight > 0 ? `${p.queued}+${p.inFlight}` : String(p.queued) },
        { text: String(p.dead), color: p.dead > 0 ? "red" : undefined },
        { text: p.beatsLeft === null ? "–" : String(p.beatsLeft) },
        { text: p.costTodayUsd === null ? "–" : moneyShort(p.costTodayUsd) },
        p.held === null ? { text: "" } : { text: `⏸ ${p.held}`, color: "yellow" },
      ]),
      ui,
      "no projects yet",
      "Enter: in full",
    )

  const renderDeadLetters = (state: DashboardState, ui: UiState) =>
    renderTable(
      "dead",
      VIEW_TITLES.dead,
      DEAD_LETTER_COLUMNS,
      state.deadLetters.map((d) => [
        { text: titleOf(state, d.project), bold: true },
        { text: `#${d.episode}` },
        { text: d.state, color: d.state === "dead" ? "red" : "yellow" },
        { text: String(d.deliveries) },
        { text: clock(d.at), color: "gray" },
        { text: d.cause },
      ]),
      ui,
      "✓ no dead letters",
      "r retry · s skip · Enter: cause in full",
    )

  const renderWorkers = (state: DashboardState, ui: UiState, now: number) =>
    renderTable(
      "workers",
      VIEW_TITLES.workers,
      WORKER_COLUMNS,
      state.workers.map((w) => [
        { text: w.worker },
        w.job === null ? { text: "–", color: "gray" } : { text: w.project === null ? w.job : `${titleOf(state, w.project)} #${w.episode}` },
        { text: w.stage, color: w.stage === "idle" ? "gray" : "cyan" },
        { text: w.job === null ? "" : formatDuration(now - w.stageSince) },
        { text: formatDuration(now - w.since), color: "gray" },
      ]),
      ui,
      "no workers (is the factory running here?)",
      "Enter: in full",
    )

  /** The full text of what is selected, for the detail popup. */
  const detailText = (state: DashboardState, ui: UiState, now: number): string | null => {
    switch (ui.view) {
      case "overview": {
        const alert = selectedRow(activeAlerts(state), ui.selected.alerts)
        return alert === null ? null : alertText(alert)
      }
      case "dead": {
        const letter = selectedRow(state.deadLetters, ui.selected.dead)
        return letter === null ? null : deadLetterText(letter, titleOf(state, letter.project))
      }
      case "projects": {
        const p = selectedRow(projectRows(state), ui.selected.projects)
        if (p === null) return null
        return [
          `${titleOf(state, p.slug)}`,
          "",
          `committed ${p.committed} · queued ${p.queued} · in flight ${p.inFlight} · dead ${p.dead}`,
          `beats left ${p.beatsLeft ?? "–"} · cost today ${p.costTodayUsd === null ? "–" : `${money(p.costTodayUsd)} USD`}`,
          "",
          p.held === null ? "not held" : `held: ${p.held}`,
        ].join("\n")
      }
      case "workers": {
        const w = selectedRow(state.workers, ui.selected.workers)
        if (w === null) return null
        return [
          w.worker,
          "",
          w.job === null ? `idle for ${formatDuration(now - w.since)}` : `holds ${w.job} for ${formatDuration(now - w.since)}`,
          w.job === null ? "" : `stage ${w.stage} for ${formatDuration(now - w.stageSince)}`,
        ].join("\n")
      }
    }
  }

  const renderDetail = (state: DashboardState, ui: UiState, now: number) => {
    const text = ui.mode._tag === "Detail" ? detailText(state, ui, now) : null
    if (text === null) {
      if (!detail.hidden) detail.hide()
      return
    }
    const lines = text.split("\n").map((l) => blessed.escape(sanitize(l)))
    detail.height = Math.min(current.rows - 2, Math.max(6, lines.length + 4))
    detail.setContent(lines.join("\n"))
    detail.show()
    detail.setFront()
  }

  /** Shows the overview's panels, or the table of another view. */
  const showView = (ui: UiState) => {
    const overview = ui.view === "overview"
    for (const id of OVERVIEW_BOXES) {
      const box = boxes.get(id)!
      if (overview && box.hidden) box.show()
      if (!overview && !box.hidden) box.hide()
    }
    if (chart) {
      if (overview && chart.hidden) chart.show()
      if (!overview && !chart.hidden) chart.hide()
    }
    const table = boxes.get("table")!
    if (overview && !table.hidden) table.hide()
    if (!overview && table.hidden) table.show()
  }

  const renderHeader = (state: DashboardState, now: number) => {
    const width = current.header.width
    const status = state.status
    const c = state.connection
    const connection: Array<Seg> =
      c.state === "connected"
        ? [{ text: "● connected", color: "green" }]
        : c.state === "connecting"
          ? [{ text: `● connecting to ${options.url}…`, color: "yellow" }]
          : [
              {
                text: `● disconnected — retrying${c.retryInMs > 0 ? ` in ${formatDuration(c.retryInMs)}` : ""} (attempt ${c.attempts}${c.reason ? `: ${c.reason}` : ""})`,
                color: "red",
                bold: true,
              },
            ]
    const sep: Seg = { text: " │ ", color: "gray" }
    const line1: Array<Seg> = [{ text: ` novel-factory ${options.version}`, bold: true }, sep, ...connection]
    if (status) {
      const uptime = status.uptimeMs + (c.state === "connected" && state.statusAt !== null ? Math.max(0, now - state.statusAt) : 0)
      line1.push(sep, { text: `up ${formatDuration(uptime)}` }, sep, { text: status.mode })
      line1.push(sep, status.paused ? { text: "intake ‖ paused", color: "yellow", bold: true } : { text: "intake ▶ running", color: "green" })
    }
    const line2: Array<Seg> = [{ text: " deps:" }]
    for (const dependency of status?.dependencies ?? []) {
      const color = STATE_COLOR[dependency.state] ?? "white"
      line2.push({ text: ` ${dependency.name} ` }, { text: dependency.state === "closed" ? "●" : `● ${dependency.state}`, color })
    }
    if (!status) line2.push({ text: " –", color: "gray" })
    line2.push(sep, { text: "projects: " })
    if (state.projects.length === 0) line2.push({ text: "none", color: "gray" })
    state.projects.forEach((p, i) => {
      if (i > 0) line2.push({ text: " · ", color: "gray" })
      // what needs the operator first (a narrow screen cuts the tail of the line)
      const beats = p.beatsLeft === undefined || p.beatsLeft === null ? "" : `, ${p.beatsLeft} beats left`
      line2.push({ text: p.title, bold: true })
      if (p.held) line2.push({ text: ` ⏸ held: ${p.held}`, color: "yellow" })
      else if (p.beatsAwaitingApproval) line2.push({ text: ` ⏸ ${p.beatsAwaitingApproval} beats await approval`, color: "yellow" })
      line2.push({ text: ` (${p.slug}${p.episodes !== undefined ? `, ${p.episodes} ep` : ""}${beats})`, color: "gray" })
    })
    setLines("header", [paint(line1, width), paint(line2, width)])
  }

  const renderChart = (state: DashboardState, now: number) => {
    if (!chart) return
    const series = throughputSeries(state)
    const rate = ratePerMinute(state)
    const signature = `${Math.floor(now / 60_000)}|${series.committed.join(",")}|${series.failed.join(",")}|${current.cols}x${current.rows}`
    const label = paint(
      [
        { text: `${TITLES.throughput} ` },
        { text: `committed ${rate.committed.toFixed(1)}`, color: "green" },
        { text: " " },
        { text: `failed ${rate.failed.toFixed(1)}`, color: "red" },
        { text: " (5 m avg)" },
      ],
      Math.max(1, current.throughput.width - 6),
      false,
    )
    chart.setLabel(` ${label} `)
    if (signature === chartSignature) return
    chartSignature = signature
    const max = Math.max(...series.committed, ...series.failed)
    chart.options.maxY = Math.max(2, Math.ceil(max * 1.2))
    const x = series.minutesAgo.map((ago) => (ago === 0 ? "now" : `-${ago}m`))
    try {
      chart.setData([
        { title: "committed", x, y: series.committed, style: { line: "green" } },
        { title: "failed", x, y: series.failed, style: { line: "red" } },
      ])
    } catch {
      // A panel too small for the chart's canvas: leave it blank rather than crash.
    }
  }

  const renderLatency = (state: DashboardState, ui: UiState) => {
    const rect = current.latency
    const width = innerWidth(rect)
    const rows = latencyTable(state)
    const columns = width >= 24 ? LATENCY_COLUMNS : LATENCY_COLUMNS.slice(0, 3)
    const body = rows.map((r) =>
      tableRow(
        columns,
        [
          { text: r.stage },
          { text: r.count === 0 ? "–" : formatMsCompact(r.p50) },
          { text: r.count === 0 ? "–" : formatMsCompact(r.p95), color: r.count > 0 && r.p95 > 60_000 ? "yellow" : undefined },
          { text: String(r.count), color: "gray" },
        ],
        width,
      ),
    )
    const window = visibleWindow(body.length, Math.max(0, innerHeight(rect) - 1), ui.scroll.latency, false)
    frame("latency", ui, TITLES.latency)
    setLines("latency", [heading(columns, width), ...body.slice(window.start, window.end)])
  }

  const renderQueue = (state: DashboardState, now: number) => {
    const rect = current.queue
    const width = innerWidth(rect)
    const q = state.status?.queue
    if (!q) {
      setLines("queue", [paint([{ text: "no data yet", color: "gray" }], width)])
      return
    }
    const level = queueLevel(q.queued, options.thresholds)
    const color = level === "critical" ? "red" : level === "warning" ? "yellow" : "green"
    const scale = Math.max(1, Math.ceil(options.thresholds.critical * 1.25))
    const barWidth = Math.max(1, width - 2)
    const filled = Math.min(barWidth, Math.round((Math.min(q.queued, scale) / scale) * barWidth))
    const rate = ratePerMinute(state)
    const lines = [
      paint([{ text: "depth " }, { text: String(q.queued), color, bold: true }, { text: ` ${level}`, color }], width),
      `[{${color}-fg}${"█".repeat(filled)}{/${color}-fg}${"░".repeat(barWidth - filled)}]`,
      paint([{ text: "in flight " }, { text: String(q.inFlight), bold: true }], width),
      paint([{ text: "dead letters " }, { text: String(q.dead), color: q.dead > 0 ? "red" : "green", bold: true }], width),
      paint([{ text: "committed " }, { text: String(q.committed), bold: true }], width),
      paint([{ text: `${rate.committed.toFixed(1)}/min (5 m)`, color: "gray" }], width),
    ]
    setLines("queue", lines.slice(0, innerHeight(rect)))
  }

  const renderActors = (state: DashboardState, ui: UiState) => {
    const rect = current.actors
    const width = innerWidth(rect)
    const root = state.status?.supervision ?? null
    const prefix = root ? `${root.supervisor}/` : ""
    // Narrow panels fold the back-off into the state column.
    const wide = width >= 56
    const columns = wide ? ACTOR_COLUMNS : ACTOR_COLUMNS_NARROW
    const rows = actorRows(root).map((row) => {
      const path: Seg = { text: row.path.startsWith(prefix) ? row.path.slice(prefix.length) : row.path }
      const restarts: Seg = { text: String(row.restarts), color: row.restarts > 0 ? "yellow" : undefined }
      const firstLine = (row.lastError ?? "").split("\n").find((l) => l.trim() !== "")?.trim() ?? ""
      const error: Seg = { text: firstLine.replace(/^Error: /, ""), color: "red" }
      const backoff = row.backoffRemainingMs === null ? "" : formatMsCompact(row.backoffRemainingMs)
      const cells: ReadonlyArray<Seg> = wide
        ? [path, { text: row.state, color: STATE_COLOR[row.state] }, restarts, { text: backoff, color: "yellow" }, error]
        : [path, { text: backoff ? `wait ${backoff}` : row.state, color: STATE_COLOR[row.state] }, restarts, error]
      return tableRow(columns, cells, width)
    })
    const height = Math.max(0, innerHeight(rect) - 1)
    const window = visibleWindow(rows.length, height, ui.scroll.actors, false)
    const sup = root ? ` ${root.supervisor} ${root.status} ${root.restartsInWindow ?? 0}/${root.maxRestarts ?? 0}` : ""
    frame("actors", ui, `${TITLES.actors}${sup}${rows.length > height ? ` ${window.start + 1}-${window.end}/${rows.length}` : ""}`)
    const body = rows.length === 0 ? [paint([{ text: "no supervision tree yet", color: "gray" }], width)] : rows.slice(window.start, window.end)
    setLines("actors", [heading(columns, width), ...body])
  }

  const renderAlerts = (state: DashboardState, ui: UiState) => {
    const rect = current.alerts
    const width = innerWidth(rect)
    const alerts = activeAlerts(state)
    const chosen = ui.focus === "alerts" ? Math.min(ui.selected.alerts, alerts.length - 1) : -1
    const lines =
      alerts.length === 0
        ? [paint([{ text: "✓ no active alerts", color: "green" }], width)]
        : alerts.map((a, i) =>
            selectable(i === chosen, paint([{ text: "● ", color: "red" }, { text: a.rule, bold: true, color: "red" }, { text: ` ${a.message}` }, { text: ` since ${clock(a.since)}`, color: "gray" }], width)),
          )
    const window = visibleWindow(lines.length, innerHeight(rect), chosen >= 0 ? chosen - innerHeight(rect) + 1 : ui.scroll.alerts, false)
    frame("alerts", ui, `${TITLES.alerts}${alerts.length > 0 ? ` (${alerts.length}${chosen >= 0 ? ", Enter: full text" : ""})` : ""}`)
    setLines("alerts", lines.slice(window.start, window.end))
  }

  const renderFinance = (state: DashboardState, ui: UiState) => {
    const rect = current.finance
    const width = innerWidth(rect)
    const f = state.finance
    frame("finance", ui, TITLES.finance)
    if (f._tag !== "Data") {
      setLines("finance", [paint([{ text: f._tag === "None" ? "no finance data" : "…", color: "gray" }], width)])
      return
    }
    const { today, currency, days } = f.summary
    const share = today.cap === null || today.cap <= 0 ? null : today.spend / today.cap
    const color = share === null ? undefined : share >= 1 ? "red" : share >= 0.8 ? "yellow" : "green"
    const wide = width >= 34
    const pct = share === null ? "" : `${Math.round(share * 100)}%`
    const cap = today.cap === null ? "" : money(today.cap)
    // The most complete wording that fits the panel.
    const wordings: ReadonlyArray<readonly [string, string]> =
      today.cap === null
        ? [["today ", ` ${currency} (no cap)`], ["today ", " (no cap)"], ["", " no cap"], ["", ""]]
        : [["today ", ` / ${cap} ${currency} (${pct})`], ["today ", `/${cap} ${pct}`], ["", `/${cap} ${pct}`], ["", `/${cap}`]]
    const spend = money(today.spend)
    const [before, after] = wordings.find(([b, a]) => displayWidth(b + spend + a) <= width) ?? wordings[wordings.length - 1]!
    const line1 = paint([{ text: before }, { text: spend, bold: true, color }, { text: after }], width)
    const columns = wide ? FINANCE_COLUMNS : FINANCE_COLUMNS_NARROW
    const rows = [...days]
      .sort((a, b) => b.date.localeCompare(a.date))
      .map((d) => {
        const profit: Seg = { text: money(d.profit), color: d.profit < 0 ? "red" : "green" }
        const cells: ReadonlyArray<Seg> = wide
          ? [{ text: d.date }, { text: money(d.cost) }, { text: money(d.sales) }, profit]
          : [{ text: d.date.length === 10 ? d.date.slice(5) : d.date }, { text: moneyShort(d.cost) }, { ...profit, text: moneyShort(d.profit) }]
        return tableRow(columns, cells, width)
      })
    // A budget pause and the prompt cache's hit share per project, when there is something to say.
    const extra = [
      ...(!today.paused ? [] : [paint([
        { text: "⏸ writers paused", bold: true, color: "red" },
        { text: today.resumesAt === null ? "" : ` until ${new Date(today.resumesAt).toISOString().slice(0, 16).replace("T", " ")} UTC` },
        { text: `: ${today.reason ?? "daily budget"}`, color: "gray" },
      ], width)]),
      ...((f.summary.promptCache ?? []).length === 0 ? [] : [paint([
        { text: "cache ", color: "gray" },
        { text: (f.summary.promptCache ?? []).filter((p) => p.promptTokens > 0).map((p) => `${p.project} ${Math.round(p.share * 100)}%`).join(" · ") },
      ], width)]),
    ]
    const height = Math.max(0, innerHeight(rect) - 2 - extra.length)
    const window = visibleWindow(rows.length, height, ui.scroll.finance, false)
    setLines("finance", [line1, ...extra, heading(columns, width), ...rows.slice(window.start, window.end)])
  }

  const renderLog = (id: "recovery" | "events", entries: ReadonlyArray<LogEntry>, total: number, ui: UiState, extra: string) => {
    const rect = current[id]
    const width = innerWidth(rect)
    const height = innerHeight(rect)
    const window = visibleWindow(entries.length, height, ui.scroll[id], TAILING.has(id))
    const lines: Array<string> = []
    for (let i = window.start; i < window.end; i++) lines.push(logRow(entries[i]!, width))
    const position = window.offset > 0 ? ` ↑${window.offset}` : ""
    frame(id, ui, `${TITLES[id]}${extra} ${entries.length === total ? total : `${entries.length}/${total}`}${position}`)
    setLines(id, lines)
  }

  const renderFooter = (ui: UiState, now: number) => {
    const width = current.footer.width
    const mode = ui.mode
    let segs: Array<Seg>
    if (mode._tag === "Confirm") {
      segs = [{ text: ` ${confirmQuestion(mode.action)} `, color: "yellow", bold: true }]
    } else if (mode._tag === "Reason") {
      segs = [
        { text: ` skip ${mode.project} #${mode.episode} — why? `, color: "yellow", bold: true },
        { text: mode.draft, bold: true },
        { text: "█  (Enter · Esc cancel)", color: "gray" },
      ]
    } else if (mode._tag === "DeleteSlug") {
      segs = [
        { text: ` delete ${mode.project} for good — type its slug: `, color: "red", bold: true },
        { text: mode.draft, bold: true },
        { text: "█  (Enter · Esc cancel)", color: "gray" },
      ]
    } else if (mode._tag === "Filter") {
      segs = [{ text: " filter events: /", color: "cyan" }, { text: mode.draft, bold: true }, { text: "█  (Enter apply · Esc cancel)", color: "gray" }]
    } else if (ui.notice && now - ui.notice.at < 6_000) {
      segs = [{ text: ` ${ui.notice.text}`, color: ui.notice.level === "error" ? "red" : ui.notice.level === "ok" ? "green" : undefined, bold: true }]
    } else {
      const views: Array<Seg> = VIEWS.flatMap((view, i) => [
        { text: `${i + 1}`, bold: true, ...(ui.view === view ? { color: palette.focus } : {}) },
        { text: `${VIEW_TITLES[view].split(" ")[0]!.toLowerCase()} `, ...(ui.view === view ? { color: palette.focus } : {}) },
      ])
      segs = ui.view === "dead"
        ? [{ text: " ?", bold: true }, { text: " help  " }, ...views, { text: " r", bold: true }, { text: " retry " }, { text: "s", bold: true }, { text: " skip " }, { text: "↵", bold: true }, { text: " full" }]
        : ui.view === "projects"
        ? [{ text: " ?", bold: true }, { text: " help  " }, ...views, { text: " h", bold: true }, { text: " hold " }, { text: "u", bold: true }, { text: " resume " }, { text: "c", bold: true }, { text: " cancel " }, { text: "x", bold: true }, { text: " delete" }]
        : ui.view !== "overview"
        ? [{ text: " ?", bold: true }, { text: " help  " }, ...views, { text: " ↑↓", bold: true }, { text: " select " }, { text: "↵", bold: true }, { text: " full " }, { text: "q", bold: true }, { text: " quit" }]
        : [
          { text: " ?", bold: true },
          { text: " help  " },
          { text: "q", bold: true },
          { text: " quit  " },
          ...views,
          { text: " p", bold: true },
          { text: " pause  " },
          { text: "Tab", bold: true },
          { text: " focus  " },
          { text: "/", bold: true },
          { text: " filter" },
        ]
      if (ui.filter) segs.push({ text: `  filter: ${ui.filter}`, color: "cyan" })
      segs.push({ text: `  ${options.url}`, color: "gray" })
    }
    setLines("footer", [paint(segs, width)])
  }

  const renderHelp = (ui: UiState) => {
    if (ui.mode._tag !== "Help") {
      if (!help.hidden) help.hide()
      return
    }
    const width = Math.max(10, Math.min(60, current.cols - 4) - 2)
    const keyWidth = Math.max(...HELP_LINES.map(([k]) => displayWidth(k))) + 2
    help.setContent(
      ["", ...HELP_LINES.map(([k, what]) => paint([{ text: ` ${padEnd(k, keyWidth)}`, bold: true, color: "cyan" }, { text: what }], width))].join("\n"),
    )
    help.show()
    help.setFront()
  }

  return {
    terminal: screen.program.terminal,
    render: (state, ui, now) => {
      showView(ui)
      renderHeader(state, now)
      if (ui.view === "overview") {
        renderChart(state, now)
        renderLatency(state, ui)
        renderQueue(state, now)
        renderActors(state, ui)
        renderAlerts(state, ui)
        renderFinance(state, ui)
        renderLog("recovery", logEntries(state.recovery), logSize(state.recovery), ui, "")
        const events = filtered(state, ui.filter)
        renderLog("events", events, logSize(state.events), ui, ui.filter ? ` /${ui.filter}` : "")
      } else if (ui.view === "projects") renderProjects(state, ui)
      else if (ui.view === "dead") renderDeadLetters(state, ui)
      else renderWorkers(state, ui, now)
      renderFooter(ui, now)
      renderHelp(ui)
      renderDetail(state, ui, now)
      screen.render()
    },
    onKey: (handler) =>
      screen.on("keypress", (ch, key) => {
        const name = key?.full ?? key?.name ?? ch ?? ""
        // blessed reports Enter twice (`enter`, then `return`): keep one.
        if (name === "return") return
        handler({ name, ch: ch ?? undefined, ctrl: key?.ctrl ?? false, shift: key?.shift ?? false })
      }),
    onResize: (handler) =>
      screen.on("resize", () => {
        applyLayout()
        handler()
      }),
    page: (panel) => innerHeight(current[panel]),
    tablePage: () => Math.max(1, innerHeight(current.table) - 1),
    destroy: () => {
      try {
        screen.destroy()
      } catch {
        // the terminal is gone already
      }
    },
  }
}
