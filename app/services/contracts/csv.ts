// RFC 4180 CSV, both ways. Reading reports problems by the physical line a record starts on (the header is line 1),
// which is what a person sees in an editor even when a quoted field spans lines.

export interface CsvRecord {
  /** 1-based physical line the record starts on */
  line: number;
  fields: string[];
}

export type CsvSyntaxProblem = "unterminatedQuote" | "quoteInUnquotedField" | "textAfterClosingQuote";

export interface CsvSyntaxError {
  line: number;
  problem: CsvSyntaxProblem;
}

export interface CsvParseResult {
  records: CsvRecord[];
  errors: CsvSyntaxError[];
}

const BOM = "\uFEFF";

/**
 * Parses CSV text (an optional UTF-8 byte order mark is dropped). Fields separated by commas, records by CRLF, LF or
 * CR; a field in double quotes may hold commas, line breaks and doubled quotes. Blank lines are skipped but counted.
 * A record with a syntax error is reported and left out; parsing resumes on the next line.
 */
export function parseCsv(input: string): CsvParseResult {
  const text = input.startsWith(BOM) ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const errors: CsvSyntaxError[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;

  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let problem: CsvSyntaxProblem | null = null;
    let endOfRecord = false;

    while (!endOfRecord) {
      let value = "";
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) line++;
          value += c;
          i++;
        }
        if (!closed) {
          errors.push({ line: startLine, problem: "unterminatedQuote" });
          return { records, errors };
        }
        if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") problem ??= "textAfterClosingQuote";
      }
      // Unquoted text up to the next separator (after a closing quote only an error would be left here).
      while (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
        if (text[i] === '"') problem ??= "quoteInUnquotedField";
        value += text[i];
        i++;
      }
      fields.push(value);
      if (i >= n) {
        endOfRecord = true;
      } else if (text[i] === ",") {
        i++;
      } else {
        i += text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line++;
        endOfRecord = true;
      }
    }

    if (problem) errors.push({ line: startLine, problem });
    else if (!(fields.length === 1 && fields[0] === "")) records.push({ line: startLine, fields });
  }
  return { records, errors };
}

/** Decodes bytes as UTF-8; on invalid bytes, names every line that holds some (1-based). */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; badLines: number[] } {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const badLines: number[] = [];
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let start = 0;
    let line = 1;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          decoder.decode(bytes.subarray(start, i));
        } catch {
          badLines.push(line);
        }
        start = i + 1;
        line++;
      }
    }
    return { ok: false, badLines };
  }
}

export type CsvCell = string | number | null;

function quoteCell(cell: CsvCell): string {
  if (cell === null) return "";
  if (typeof cell === "number") return String(cell);
  // A text cell starting like a formula is neutralised (OWASP "CSV injection") so Excel shows it as text.
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV text with CRLF line ends; `bom` (default on) makes Excel read the UTF-8 Chinese correctly. */
export function toCsv(rows: CsvCell[][], options: { bom?: boolean } = {}): string {
  const body = rows.map((row) => row.map(quoteCell).join(",")).join("\r\n") + "\r\n";
  return (options.bom ?? true ? BOM : "") + body;
}
