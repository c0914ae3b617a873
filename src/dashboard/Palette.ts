/**
 * The terminal description blessed is asked to use, and the colours the dashboard draws with,
 * as pure functions of `$TERM` and the colours the terminal has. Under tmux or screen
 * (`TERM=screen*`/`tmux*`) blessed otherwise falls back to 8 colours, where its "gray" (colour
 * 8) is reduced to black: black borders and invisible dim text on a black background.
 */

export interface Palette {
  /** Panel borders when not focused. */
  readonly border: string
  /** Secondary text: timestamps, units, hints. */
  readonly dim: string
  /** The focused panel, prompts. */
  readonly focus: string
}

/** With 16 colours or more "gray" is bright black: a visible grey. */
const FULL: Palette = { border: "gray", dim: "gray", focus: "cyan" }
/** With 8 only colours 0–7 exist; white (7) is the terminal's light grey. */
const EIGHT: Palette = { border: "white", dim: "white", focus: "cyan" }

export const paletteFor = (colors: number): Palette => (colors >= 16 ? FULL : EIGHT)

/**
 * A multiplexer's 256-colour terminal type (`screen-256color`, `tmux-256color`, `screen.xterm-256color` …)
 * is asked for as `xterm-256color`, whose colours and keys tmux and screen speak and whose terminfo
 * blessed always has (bundled); anything else is asked for as it is.
 */
export const terminalFor = (term: string | undefined): string => {
  const wanted = term === undefined || term.trim() === "" ? "xterm" : term.trim()
  return /^(screen|tmux)([.-].*)?-256colou?r$/.test(wanted) ? "xterm-256color" : wanted
}

/** The colours a terminal type promises by its name, for when the terminal says nothing (blessed's count is 0 or absent). */
export const colorsOf = (reported: number | undefined, terminal: string): number =>
  reported !== undefined && reported > 0 ? reported : /256colou?r|truecolor|direct/.test(terminal) ? 256 : 8
