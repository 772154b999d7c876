#![no_main]
//! Workbooks bent at the structure level — declared dimensions, cell references anywhere up to
//! XFD1048576 (and malformed ones), shared strings with any declared count, stored or deflated
//! parts, repeated chunks that unpack far beyond their size, stray parts — read, checked and
//! dry-run imported as units and as reports, without a panic, a database failure or a large
//! allocation (run with -rss_limit_mb, as tools/fuzz.sh does).
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use pantau_db::testing::xlsx::{Content, Packing, package, shared_strings, sheet, text};
use pantau_db::{Actor, exchange};

#[derive(Arbitrary, Debug)]
enum Value {
    Shared(u32),
    Inline(String),
    Number(f64),
    Bool(bool),
    /// Whatever goes inside the cell element.
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Reference {
    At { row: u32, column: u16 },
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Workbook {
    /// The unit import's header in row 1, so that rows reach the importer's own checks.
    unit_header: bool,
    dimension: Option<(u32, u16, u32, u16)>,
    raw_dimension: Option<String>,
    cells: Vec<(Reference, Value)>,
    strings: Option<(String, Vec<String>)>,
    deflated: bool,
    /// A chunk repeated inside the sheet (bounded: the big bombs are the unit tests' job).
    bomb: Option<(String, u8)>,
    extra: Vec<(String, Vec<u8>)>,
}

const UNIT_HEADER: [&str; 10] = [
    "kode",
    "nama",
    "kode_desa",
    "kode_satker",
    "tahun_dibentuk",
    "sumber_dana",
    "kategori_2024",
    "tahap_target_2024",
    "tahap_capaian_2024",
    "kategori",
];

fn cell_xml(v: &Value) -> String {
    match v {
        Value::Shared(i) => format!(r#"t="s"><v>{i}</v>"#),
        Value::Inline(s) => text(&pantau_core::aggregate::xml_escape(s)),
        Value::Number(f) => format!("><v>{f}</v>"),
        Value::Bool(b) => format!(r#"t="b"><v>{}</v>"#, u8::from(*b)),
        Value::Raw(s) => format!(">{s}"),
    }
}

fuzz_target!(|w: Workbook| {
    let mut cells: Vec<(String, String)> = Vec::new();
    if w.unit_header {
        for (i, h) in UNIT_HEADER.iter().enumerate() {
            cells.push((format!("{}1", exchange::column_letters(i)), text(h)));
        }
    }
    for (r, v) in w.cells.iter().take(2_000) {
        let reference = match r {
            Reference::At { row, column } => format!(
                "{}{}",
                exchange::column_letters(usize::from(*column % 16_384)),
                row % 1_048_576 + 1
            ),
            Reference::Raw(s) => s.clone(),
        };
        cells.push((reference, cell_xml(v)));
    }
    let dimension = w.raw_dimension.clone().or_else(|| {
        w.dimension.map(|(r1, c1, r2, c2)| {
            format!(
                "{}{}:{}{}",
                exchange::column_letters(usize::from(c1 % 16_384)),
                r1 % 1_048_576 + 1,
                exchange::column_letters(usize::from(c2 % 16_384)),
                r2 % 1_048_576 + 1
            )
        })
    });
    let refs: Vec<(&str, &str)> = cells.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let xml = sheet(dimension.as_deref(), &refs);
    let content = match &w.bomb {
        Some((chunk, times)) if !chunk.is_empty() => {
            let (head, tail) = xml.split_at(xml.len() - "</sheetData></worksheet>".len());
            Content::Repeated {
                head: head.as_bytes().to_vec(),
                chunk: chunk.as_bytes().repeat(1 + 4096 / chunk.len().max(1)),
                repeat: usize::from(*times) * 16,
                tail: tail.as_bytes().to_vec(),
            }
        }
        _ => Content::Bytes(xml.into_bytes()),
    };
    let strings = w.strings.as_ref().map(|(count, list)| {
        let list: Vec<&str> = list.iter().take(1_000).map(String::as_str).collect();
        shared_strings(&pantau_core::aggregate::xml_escape(count), &list)
    });
    // Stray parts under names of their own (the zip writer refuses a name twice).
    let extra = w
        .extra
        .iter()
        .take(8)
        .enumerate()
        .map(|(i, (name, bytes))| {
            let name: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
            (format!("xl/extra{i}_{name}.xml"), Content::Bytes(bytes.clone()))
        })
        .collect();
    let packing = if w.deflated {
        Packing::Deflated
    } else {
        Packing::Stored
    };
    let bytes = package(content, strings, extra, packing);
    pantau_fuzz::import_table(&bytes, |db, table| async move {
        exchange::units::import(db, Actor::System("fuzz"), &table, 2026, true, &|_| {}).await
    });
});
