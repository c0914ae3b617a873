/**
 * RFC 4180 CSV: fields separated by commas, optionally quoted with `"`; a quote inside a quoted
 * field is doubled; quoted fields may hold commas and line breaks. Tolerates a UTF-8 BOM and
 * CRLF / LF / CR line ends. Every record carries the physical line it starts on, so errors can
 * point at the file.
 */

export interface CsvRecord {
  /** 1-based line where the record starts. */
  readonly line: number
  readonly fields: ReadonlyArray<string>
}

export interface CsvError {
  readonly line: number
  readonly message: string
}

export interface CsvParse {
  readonly records: ReadonlyArray<CsvRecord>
  readonly errors: ReadonlyArray<CsvError>
}

export const parseCsv = (input: string): CsvParse => {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  const records: Array<CsvRecord> = []
  const errors: Array<CsvError> = []
  let fields: Array<string> = []
  let field = ""
  let line = 1
  let recordLine = 1
  let quoted = false // inside a quoted field
  let wasQuoted = false // the current field was quoted (only a separator or line end may follow)
  let badRecord = false
  let i = 0

  const endField = () => {
    fields.push(field)
    field = ""
    wasQuoted = false
  }
  const endRecord = () => {
    endField()
    // A blank line is no record.
    if (!badRecord && !(fields.length === 1 && fields[0] === "")) records.push({ line: recordLine, fields })
    fields = []
    badRecord = false
  }

  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
        wasQuoted = true
        i++
        continue
      }
      if (ch === "\r" || ch === "\n") {
        if (ch === "\r" && text[i + 1] === "\n") i++
        field += "\n"
        line++
        i++
        continue
      }
      field += ch
      i++
      continue
    }
    if (ch === ",") {
      endField()
      i++
      continue
    }
    if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && text[i + 1] === "\n") i++
      i++
      endRecord()
      line++
      recordLine = line
      continue
    }
    if (wasQuoted) {
      if (!badRecord) errors.push({ line, message: `unexpected character '${ch}' after a closing quote (field ${fields.length + 1})` })
      badRecord = true
      i++
      continue
    }
    if (ch === '"') {
      if (field.length === 0) {
        quoted = true
        i++
        continue
      }
      if (!badRecord) errors.push({ line, message: `a quote inside an unquoted field (field ${fields.length + 1}); quote the whole field and double the quote` })
      badRecord = true
      i++
      continue
    }
    field += ch
    i++
  }
  if (quoted) {
    errors.push({ line: recordLine, message: "a quoted field is not closed before the end of the file" })
  } else if (field.length > 0 || fields.length > 0 || wasQuoted) {
    endRecord()
  }
  return { records, errors }
}

const needsQuotes = /[",\r\n]/

/** One CSV line (no line end). */
export const formatCsvRow = (fields: ReadonlyArray<string | number>): string =>
  fields
    .map((f) => {
      const s = String(f)
      return needsQuotes.test(s) ? `"${s.replace(/"/g, '""')}"` : s
    })
    .join(",")
