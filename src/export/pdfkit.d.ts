/**
 * The part of pdfkit 0.20's API that `Pdf.ts` uses (pdfkit ships no types; `@types/pdfkit`
 * would replace this file).
 */
declare module "pdfkit" {
  import type { Readable } from "node:stream"

  interface TextOptions {
    width?: number
    height?: number
    align?: "left" | "center" | "right" | "justify"
    lineGap?: number
    paragraphGap?: number
    indent?: number
    characterSpacing?: number
    continued?: boolean
    lineBreak?: boolean
    ellipsis?: boolean | string
    goTo?: string
    destination?: string
    link?: string
  }
  interface DocumentOptions {
    size?: string | [number, number]
    margins?: { top: number; bottom: number; left: number; right: number }
    bufferPages?: boolean
    autoFirstPage?: boolean
    pdfVersion?: string
    lang?: string
    displayTitle?: boolean
    tagged?: boolean
    info?: {
      Title?: string
      Author?: string
      Subject?: string
      Keywords?: string
      Creator?: string
      Producer?: string
      CreationDate?: Date
      ModDate?: Date
    }
  }
  interface Page {
    width: number
    height: number
    margins: { top: number; bottom: number; left: number; right: number }
  }
  interface Outline {
    addItem(title: string, options?: { expanded?: boolean }): Outline
  }

  class PDFDocument extends Readable {
    constructor(options?: DocumentOptions)
    page: Page
    x: number
    y: number
    outline: Outline
    addPage(options?: DocumentOptions): this
    registerFont(name: string, src: string | Buffer | Uint8Array, family?: string): this
    font(name: string, size?: number): this
    fontSize(size: number): this
    fillColor(color: string, opacity?: number): this
    strokeColor(color: string, opacity?: number): this
    lineWidth(width: number): this
    moveTo(x: number, y: number): this
    lineTo(x: number, y: number): this
    stroke(): this
    text(text: string, options?: TextOptions): this
    text(text: string, x?: number, y?: number, options?: TextOptions): this
    moveDown(lines?: number): this
    heightOfString(text: string, options?: TextOptions): number
    widthOfString(text: string, options?: TextOptions): number
    currentLineHeight(includeGap?: boolean): number
    addNamedDestination(name: string, ...args: Array<unknown>): void
    bufferedPageRange(): { start: number; count: number }
    switchToPage(n: number): Page
    flushPages(): void
    end(): void
  }

  export default PDFDocument
}
