//! Uploaded spreadsheets into a [`Table`], with every size bounded before it is allocated.
//!
//! An XLSX file is a zip of XML parts, and a few kilobytes of it can describe gigabytes: a cell
//! at XFD1048576 (a grid reader allocates every cell up to it), a part that unpacks a
//! thousandfold, a shared-string count the parser reserves room for, one long string referenced
//! by every cell. So before the parser sees a file, every part is unpacked once into nothing,
//! counting its bytes, its longest run without markup and any declared string count; then the
//! first sheet is streamed cell by cell, and each cell's position, length and the running totals
//! are checked as it arrives. A CSV is bounded by the same row, column, cell and text limits.
//! Reading is synchronous and CPU-bound: async callers run it on a blocking thread.

use super::{Message, RowError, Table};
use std::io::{Cursor, Read};

/// Rows an import may hold besides its header; larger files are refused.
pub const MAX_ROWS: usize = 100_000;
/// Columns a sheet may use (per-year columns over many years stay well inside).
pub const MAX_COLUMNS: usize = 200;
/// Cells kept in memory, counting the blanks left of a row's last value.
pub const MAX_CELLS: usize = 2_000_000;
/// Text held in all cells together.
pub const MAX_TEXT_BYTES: usize = 48 * 1024 * 1024;
/// Characters one cell may hold (Excel's own limit).
pub const MAX_CELL_CHARS: usize = 32_767;
/// Bytes all parts of an XLSX file may unpack to.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Bytes a part other than a worksheet may unpack to: the parser holds those whole.
const MAX_PART_BYTES: u64 = 16 * 1024 * 1024;
/// Parts an XLSX file may have.
const MAX_PARTS: usize = 1_000;
/// Longest stretch of a part without a `<`: the XML parser buffers one tag or text node whole,
/// and the longest cell Excel writes is far shorter, escaped.
const MAX_MARKUP_RUN: usize = 2 * 1024 * 1024;

/// Reads a CSV (UTF-8, comma or semicolon separated) or XLSX file, told apart by its content.
pub fn read(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(vec![RowError::file(Message::new("xchg-file-empty"))]);
    }
    let mut table = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    table
        .rows
        .retain(|r| r.iter().any(|c| !c.trim().is_empty()));
    if table.headers.iter().all(|h| h.is_empty()) {
        return Err(vec![RowError::file(Message::new("xchg-no-header"))]);
    }
    Ok(table)
}

fn too_many_rows(rows: usize) -> Vec<RowError> {
    vec![RowError::file(
        Message::new("xchg-too-many-rows")
            .with("rows", rows)
            .with("max", MAX_ROWS),
    )]
}

/// A file refused for its size: `reason` says which limit (its key names it).
fn too_big(reason: Message) -> Vec<RowError> {
    vec![RowError::file(reason)]
}

/// Running totals of what a table holds, checked as each cell is added.
#[derive(Default)]
struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    /// Counts a row growing to `width` cells and a cell of `text`; the error when over a limit.
    /// `row` and `column` are 0-based sheet positions.
    fn take(
        &mut self,
        row: usize,
        column: usize,
        added_cells: usize,
        text: &str,
    ) -> Result<(), Vec<RowError>> {
        if column >= MAX_COLUMNS {
            return Err(too_big(
                Message::new("xchg-too-wide")
                    .with("cell", cell_name(row, column))
                    .with("max", MAX_COLUMNS),
            ));
        }
        if row > MAX_ROWS {
            return Err(too_many_rows(row));
        }
        if text.len() > MAX_CELL_CHARS * 4 || text.chars().count() > MAX_CELL_CHARS {
            return Err(too_big(
                Message::new("xchg-cell-too-long")
                    .with("cell", cell_name(row, column))
                    .with("max", MAX_CELL_CHARS),
            ));
        }
        self.cells += added_cells;
        self.text += text.len();
        if self.cells > MAX_CELLS {
            return Err(too_big(
                Message::new("xchg-too-many-cells").with("max", MAX_CELLS),
            ));
        }
        if self.text > MAX_TEXT_BYTES {
            return Err(too_big(
                Message::new("xchg-too-much-text").with("mb", MAX_TEXT_BYTES / 1024 / 1024),
            ));
        }
        Ok(())
    }
}

/// Spreadsheet column letters of a 0-based column: `A`, …, `Z`, `AA`, ….
pub fn column_letters(column: usize) -> String {
    let mut letters = Vec::new();
    let mut c = column + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// `A1`-style name of a 0-based position.
fn cell_name(row: usize, column: usize) -> String {
    format!("{}{}", column_letters(column), row + 1)
}

fn unreadable_xlsx(detail: &dyn std::fmt::Display) -> Message {
    Message::new("xchg-xlsx-unreadable").with("detail", detail)
}

/// A header as people write it, as importers name it: `Kode Desa`, ` KODE_DESA ` and
/// `kode desa` are all `kode_desa` (a byte-order mark, case, surrounding spaces and the
/// difference between spaces and underscores do not matter).
pub(crate) fn normalize_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .split(|c: char| c.is_whitespace() || c == '_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
        .to_lowercase()
}

fn read_csv(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let row = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(vec![RowError {
                row,
                column: String::new(),
                value: String::new(),
                reason: Message::new("xchg-not-utf8"),
            }]);
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    // Spreadsheets set to Indonesian locale save CSV with semicolons.
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    check_csv_width(text, delimiter)?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut budget = Budget::default();
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let row = lines.len();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) if row == 0 => {
                return Err(vec![RowError::file(
                    Message::new("xchg-header-unreadable").with("detail", e),
                )]);
            }
            Err(e) => {
                return Err(vec![RowError {
                    row: row + 1,
                    column: String::new(),
                    value: String::new(),
                    reason: Message::new("xchg-row-unreadable").with("detail", e),
                }]);
            }
        }
        // The record is checked before its cells become strings of their own.
        for (column, cell) in record.iter().enumerate() {
            budget.take(row, column, 1, cell)?;
        }
        lines.push(
            record
                .iter()
                .map(|c| super::restore(c).to_string())
                .collect::<Vec<String>>(),
        );
    }
    let mut lines = lines.into_iter();
    let headers = lines
        .next()
        .map(|h| h.iter().map(|c| normalize_header(c)).collect())
        .unwrap_or_default();
    Ok(Table {
        headers,
        rows: lines.collect(),
    })
}

/// Counts each record's fields without parsing it — a delimiter or line end outside quotes ends
/// a field — and refuses a record wider than the limit before the CSV reader holds it whole.
fn check_csv_width(text: &str, delimiter: u8) -> Result<(), Vec<RowError>> {
    let (mut quoted, mut row, mut column) = (false, 0, 0);
    for &b in text.as_bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                row += 1;
                column = 0;
            }
            d if d == delimiter && !quoted => {
                column += 1;
                if column >= MAX_COLUMNS {
                    return Err(too_big(
                        Message::new("xchg-too-wide")
                            .with("cell", cell_name(row, column))
                            .with("max", MAX_COLUMNS),
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Unpacks every part of the zip once, into nothing, and refuses the file when a part or the
/// whole unpacks past its limit, a part has a longer run without markup than any spreadsheet
/// writes, or a part declares a string count beyond what a table may hold (the parser reserves
/// room for the declared count before reading one string).
fn check_package(bytes: &[u8]) -> Result<(), Vec<RowError>> {
    let unreadable = |e: &dyn std::fmt::Display| vec![RowError::file(unreadable_xlsx(e))];
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > MAX_PARTS {
        return Err(too_big(
            Message::new("xchg-too-many-parts").with("max", MAX_PARTS),
        ));
    }
    let mut total = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let is_sheet = name.to_ascii_lowercase().starts_with("xl/worksheets/");
        let limit = if is_sheet {
            MAX_UNPACKED_BYTES
        } else {
            MAX_PART_BYTES
        };
        let mut scan = PartScan::default();
        let mut size = 0u64;
        loop {
            let n = part.read(&mut chunk).map_err(|e| unreadable(&e))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if size > limit || total > MAX_UNPACKED_BYTES {
                return Err(too_big(
                    Message::new("xchg-unpacks-too-big")
                        .with("mb", limit.min(MAX_UNPACKED_BYTES) / 1024 / 1024),
                ));
            }
            scan.feed(&chunk[..n])
                .map_err(|what| too_big(what.with("part", &name)))?;
        }
    }
    Ok(())
}

/// What [`check_package`] looks for in a part, chunk by chunk.
#[derive(Default)]
struct PartScan {
    /// Bytes since the last `<`.
    run: usize,
    /// The end of the previous chunk, so a declaration split between chunks is still seen.
    tail: Vec<u8>,
}

impl PartScan {
    const DECLARATION: &'static [u8] = b"uniqueCount";

    fn feed(&mut self, chunk: &[u8]) -> Result<(), Message> {
        for &b in chunk {
            if b == b'<' {
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > MAX_MARKUP_RUN {
                    return Err(
                        Message::new("xchg-run-too-long").with("mb", MAX_MARKUP_RUN / 1024 / 1024)
                    );
                }
            }
        }
        let mut window = std::mem::take(&mut self.tail);
        window.extend_from_slice(chunk);
        let mut from = 0;
        while let Some(at) = find(&window[from..], Self::DECLARATION) {
            let start = from + at + Self::DECLARATION.len();
            if let Some(count) = declared_count(&window[start..]) {
                if count > MAX_CELLS as u128 {
                    return Err(Message::new("xchg-declares-too-many").with("count", count));
                }
            }
            from = start;
        }
        let keep = window.len().min(64);
        self.tail = window[window.len() - keep..].to_vec();
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The number in `="123"` (spaces and either quote allowed), saturating; `None` when the bytes
/// are not such an attribute value (or are cut short: the next chunk sees them whole).
fn declared_count(after: &[u8]) -> Option<u128> {
    let mut it = after
        .iter()
        .copied()
        .skip_while(|b| b.is_ascii_whitespace());
    if it.next()? != b'=' {
        return None;
    }
    let mut it = it.skip_while(|b| b.is_ascii_whitespace());
    if !matches!(it.next()?, b'"' | b'\'') {
        return None;
    }
    let mut count: u128 = 0;
    let mut digits = 0;
    for b in it {
        if !b.is_ascii_digit() {
            break;
        }
        count = count
            .saturating_mul(10)
            .saturating_add(u128::from(b - b'0'));
        digits += 1;
    }
    (digits > 0).then_some(count)
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, Vec<RowError>> {
    use calamine::{Data, Reader, Xlsx};
    check_package(bytes)?;
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| vec![RowError::file(unreadable_xlsx(&e))])?;
    let sheet = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| vec![RowError::file(Message::new("xchg-xlsx-no-sheet"))])?;
    let unreadable = |e: calamine::XlsxError| vec![RowError::file(unreadable_xlsx(&e))];
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let declared = cells.dimensions();
    if declared.end.0 as usize > MAX_ROWS || declared.end.1 as usize >= MAX_COLUMNS {
        return Err(too_big(
            Message::new("xchg-declared-too-big")
                .with(
                    "cell",
                    cell_name(declared.end.0 as usize, declared.end.1 as usize),
                )
                .with("rows", MAX_ROWS)
                .with("columns", MAX_COLUMNS),
        ));
    }
    let mut budget = Budget::default();
    let mut grid: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        let value = cell_text(&Data::from(cell.get_value().clone()));
        if value.is_empty() {
            // Formatting without a value: nothing to keep, wherever it is.
            continue;
        }
        let width = grid.get(row).map_or(0, Vec::len);
        budget.take(row, column, (column + 1).saturating_sub(width), &value)?;
        if grid.len() <= row {
            grid.resize_with(row + 1, Vec::new);
        }
        let cells = &mut grid[row];
        if cells.len() <= column {
            cells.resize_with(column + 1, String::new);
        }
        cells[column] = value;
    }
    // Every row as wide as the sheet, as a grid reader gives it: a cell counts even when blank.
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    if grid.len().saturating_mul(width) > MAX_CELLS {
        return Err(too_big(
            Message::new("xchg-grid-too-big")
                .with("rows", grid.len())
                .with("columns", width)
                .with("max", MAX_CELLS),
        ));
    }
    for row in grid.iter_mut() {
        row.resize_with(width, String::new);
    }
    let mut rows = grid.into_iter();
    let headers: Vec<String> = rows
        .next()
        .unwrap_or_default()
        .iter()
        .map(|h| normalize_header(h))
        .collect();
    Ok(Table {
        headers,
        rows: rows.collect(),
    })
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "ya" } else { "tidak" }.into(),
        // Excel counts days from 1899-12-30; dates come back as YYYY-MM-DD.
        Data::DateTime(d) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| {
                epoch.checked_add_signed(chrono::Duration::days(d.as_f64().floor() as i64))
            })
            .map(|day| day.to_string())
            .unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_spreadsheets_name_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(9, 25), "Z10");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn headers_are_matched_as_people_write_them() {
        for h in [
            "Kode Desa",
            " KODE_DESA ",
            "\u{feff}kode desa",
            "kode  _desa",
            "Kode_Desa",
        ] {
            assert_eq!(normalize_header(h), "kode_desa", "{h:?}");
        }
        assert_eq!(normalize_header("Kategori 2025"), "kategori_2025");
    }

    #[test]
    fn declared_counts_are_read_whatever_the_quoting() {
        assert_eq!(declared_count(b"=\"12\" count"), Some(12));
        assert_eq!(declared_count(b" = '7'"), Some(7));
        assert_eq!(declared_count(b"=\"x\""), None);
        assert_eq!(declared_count(b"=\""), None);
        assert_eq!(
            declared_count(b"=\"99999999999999999999999999999999999999999999\""),
            Some(u128::MAX)
        );
    }

    #[test]
    fn a_declaration_split_between_chunks_is_still_seen() {
        let mut scan = PartScan::default();
        scan.feed(b"<sst xmlns=\"x\" uniqueC").unwrap();
        assert!(scan.feed(b"ount=\"4000000000\">").is_err());
        let mut scan = PartScan::default();
        assert!(
            scan.feed(b"<sst uniqueCount=\"10\"><si><t>a</t></si></sst>")
                .is_ok()
        );
    }

    #[test]
    fn a_csv_row_wider_than_the_limit_is_refused_before_it_is_kept() {
        let wide = format!("a\n{}\n", ",".repeat(MAX_COLUMNS));
        let e = read(wide.as_bytes()).unwrap_err();
        assert_eq!(e[0].reason.key, "xchg-too-wide", "{e:?}");
        let long = format!("a\n{}\n", "x".repeat(MAX_CELL_CHARS + 1));
        let e = read(long.as_bytes()).unwrap_err();
        assert_eq!(e[0].reason.key, "xchg-cell-too-long", "{e:?}");
    }

    #[test]
    fn every_hostile_workbook_is_refused_with_a_reason() {
        for (what, bytes) in crate::testing::xlsx::hostile() {
            let e = read(&bytes).expect_err(what);
            assert!(
                !e[0].reason.key.ends_with("unreadable"),
                "{what} must be refused for its size, not as unreadable: {e:?}"
            );
        }
    }

    #[test]
    fn a_plain_workbook_still_reads_with_its_blank_columns() {
        use crate::testing::xlsx::{Content, Packing, package, sheet, text};
        let (kode, nama, x) = (text("Kode"), text("nama"), text("x"));
        let bytes = package(
            Content::Bytes(
                sheet(
                    Some("A1:C3"),
                    &[("A1", &kode), ("B1", &nama), ("A3", &x), ("C3", &x)],
                )
                .into_bytes(),
            ),
            None,
            Vec::new(),
            Packing::Stored,
        );
        let t = read(&bytes).unwrap();
        assert_eq!(t.headers, vec!["kode", "nama", ""]);
        assert_eq!(
            t.rows,
            vec![vec!["x".to_string(), String::new(), "x".into()]]
        );
    }
}
