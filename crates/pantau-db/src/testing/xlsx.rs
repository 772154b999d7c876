//! Hand-made XLSX packages for tests and fuzzing: the few parts a reader needs, each of which a
//! hostile file may bend (declared dimensions, cell references, shared strings, compression).

use crate::exchange::column_letters;
use std::io::Write;

/// One worksheet's XML from `(reference, cell XML)` pairs, with an optional declared dimension.
/// A cell's XML is what goes inside `<c r="…" …>`: `t="s"><v>0</v>` for shared string 0.
pub fn sheet(dimension: Option<&str>, cells: &[(&str, &str)]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    if let Some(d) = dimension {
        xml.push_str(&format!(r#"<dimension ref="{d}"/>"#));
    }
    xml.push_str("<sheetData>");
    for (reference, cell) in cells {
        let row: String = reference.chars().filter(|c| c.is_ascii_digit()).collect();
        xml.push_str(&format!(
            r#"<row r="{row}"><c r="{reference}" {cell}</c></row>"#
        ));
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// An inline text cell's XML for [`sheet`].
pub fn text(value: &str) -> String {
    format!(r#"t="inlineStr"><is><t>{value}</t></is>"#)
}

/// Shared strings XML with a declared unique count.
pub fn shared_strings(unique_count: &str, strings: &[&str]) -> String {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{}" uniqueCount="{unique_count}">"#,
        strings.len()
    );
    for s in strings {
        xml.push_str(&format!("<si><t>{s}</t></si>"));
    }
    xml.push_str("</sst>");
    xml
}

/// How a part is stored in the zip.
#[derive(Debug, Clone, Copy)]
pub enum Packing {
    Stored,
    Deflated,
}

/// A part's content: bytes, or `repeat` copies of a chunk written one at a time, so a part far
/// larger than memory allows can be packed (a zip bomb) without ever being held whole.
pub enum Content {
    Bytes(Vec<u8>),
    Repeated {
        head: Vec<u8>,
        chunk: Vec<u8>,
        repeat: usize,
        tail: Vec<u8>,
    },
}

/// A workbook with one sheet (`xl/worksheets/sheet1.xml`), optional shared strings, and any
/// further parts.
pub fn package(
    sheet: Content,
    shared_strings: Option<String>,
    extra: Vec<(String, Content)>,
    packing: Packing,
) -> Vec<u8> {
    let mut parts: Vec<(String, Content)> = vec![
        (
            "[Content_Types].xml".into(),
            Content::Bytes(CONTENT_TYPES.as_bytes().to_vec()),
        ),
        (
            "_rels/.rels".into(),
            Content::Bytes(ROOT_RELS.as_bytes().to_vec()),
        ),
        (
            "xl/workbook.xml".into(),
            Content::Bytes(WORKBOOK.as_bytes().to_vec()),
        ),
        (
            "xl/_rels/workbook.xml.rels".into(),
            Content::Bytes(WORKBOOK_RELS.as_bytes().to_vec()),
        ),
        ("xl/worksheets/sheet1.xml".into(), sheet),
    ];
    if let Some(s) = shared_strings {
        parts.push((
            "xl/sharedStrings.xml".into(),
            Content::Bytes(s.into_bytes()),
        ));
    }
    parts.extend(extra);
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(match packing {
                Packing::Stored => zip::CompressionMethod::Stored,
                Packing::Deflated => zip::CompressionMethod::Deflated,
            })
            .large_file(true);
        for (name, content) in parts {
            zip.start_file(name, options).expect("zip part");
            match content {
                Content::Bytes(b) => zip.write_all(&b).expect("zip write"),
                Content::Repeated {
                    head,
                    chunk,
                    repeat,
                    tail,
                } => {
                    zip.write_all(&head).expect("zip write");
                    for _ in 0..repeat {
                        zip.write_all(&chunk).expect("zip write");
                    }
                    zip.write_all(&tail).expect("zip write");
                }
            }
        }
        zip.finish().expect("zip end");
    }
    out.into_inner()
}

/// A workbook of one sheet of inline-text rows (the first row is the header).
pub fn simple(rows: &[&[&str]]) -> Vec<u8> {
    let mut cells = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            cells.push((
                format!("{}{}", (b'A' + c as u8) as char, r + 1),
                text(value),
            ));
        }
    }
    let cells: Vec<(&str, &str)> = cells
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    package(
        Content::Bytes(sheet(None, &cells).into_bytes()),
        None,
        Vec::new(),
        Packing::Deflated,
    )
}

/// Files that once took a spreadsheet reader past any memory: each must be refused quickly.
pub fn hostile() -> Vec<(&'static str, Vec<u8>)> {
    let deflated = |sheet_xml: String, strings: Option<String>| {
        package(
            Content::Bytes(sheet_xml.into_bytes()),
            strings,
            Vec::new(),
            Packing::Deflated,
        )
    };
    let a1 = text("kode");
    let far = text("x");
    let long = "x".repeat(30_000);
    let many_refs: Vec<String> = (0..200)
        .flat_map(|c| (1..=12).map(move |r| (c, r)))
        .map(|(c, r)| format!("{}{}", column_letters(c), r))
        .collect();
    let many_cells: Vec<(&str, &str)> = many_refs
        .iter()
        .map(|r| (r.as_str(), r#"t="s"><v>0</v>"#))
        .collect();
    vec![
        (
            "a cell at XFD1048576 with its dimension declared",
            deflated(
                sheet(Some("A1:XFD1048576"), &[("A1", &a1), ("XFD1048576", &far)]),
                None,
            ),
        ),
        (
            "a cell at XFD1048576 without a dimension",
            deflated(sheet(None, &[("A1", &a1), ("XFD1048576", &far)]), None),
        ),
        (
            "a cell at CV1000000",
            deflated(sheet(None, &[("A1", &a1), ("CV1000000", &far)]), None),
        ),
        (
            "a sheet that unpacks to 300 MB",
            package(
                Content::Repeated {
                    head: sheet(None, &[("A1", &a1)])
                        .replace("</sheetData></worksheet>", "")
                        .into_bytes(),
                    chunk: b"<x/>".repeat(256 * 1024),
                    repeat: 300,
                    tail: b"</sheetData></worksheet>".to_vec(),
                },
                None,
                Vec::new(),
                Packing::Deflated,
            ),
        ),
        (
            "shared strings declaring four billion entries",
            deflated(
                sheet(None, &[("A1", r#"t="s"><v>0</v>"#)]),
                Some(shared_strings("4000000000", &["kode"])),
            ),
        ),
        (
            "shared strings that unpack to 20 MB",
            package(
                Content::Bytes(sheet(None, &[("A1", r#"t="s"><v>0</v>"#)]).into_bytes()),
                None,
                vec![(
                    "xl/sharedStrings.xml".into(),
                    Content::Repeated {
                        head: shared_strings("1", &[]).replace("</sst>", "").into_bytes(),
                        chunk: b"<si><t>a</t></si>".repeat(1024),
                        repeat: 1200,
                        tail: b"</sst>".to_vec(),
                    },
                )],
                Packing::Deflated,
            ),
        ),
        (
            "one long shared string referenced by 2,400 cells",
            deflated(
                sheet(None, &many_cells),
                Some(shared_strings("1", &[&long])),
            ),
        ),
        (
            "a text node of 3 MB",
            deflated(
                sheet(None, &[("A1", &text(&"y".repeat(3 * 1024 * 1024)))]),
                None,
            ),
        ),
    ]
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="unit" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
