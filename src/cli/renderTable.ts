/** A column of a text table: its heading and how to read a row's cell. */
export interface Column<Row> {
  heading: string;
  cell: (row: Row) => string;
}

/**
 * Renders rows as a plain-text table: a heading line, then one line per row, columns padded
 * to their widest cell and separated by two spaces; the last column is not padded. No colour,
 * no box characters, so the output pipes into grep and reads the same in any terminal.
 */
export function renderTable<Row>(columns: ReadonlyArray<Column<Row>>, rows: readonly Row[]): string[] {
  const cells = rows.map((r) => columns.map((c) => c.cell(r).replace(/\s+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.heading.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.heading)), ...cells.map(line)];
}
