//! A small A4 document writer on `pdf-writer`: headings, wrapped paragraphs, tables that break
//! across pages with their header repeated, horizontal bar charts drawn as vector paths, a
//! running header and "page n of N" on every page. Text is set in the PDF's built-in Helvetica
//! (no font files to embed), in the WinAnsi encoding that covers Bahasa Indonesia and English.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 42.0;
const TOP: f32 = PAGE_HEIGHT - MARGIN - 18.0;
const BOTTOM: f32 = MARGIN + 18.0;
const WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

/// Helvetica and Helvetica-Bold advance widths (per 1000 units) of the printable ASCII
/// characters, from the fonts' metrics; other characters count as a digit's width.
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

#[derive(Clone, Copy, PartialEq)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    fn font(self) -> Name<'static> {
        match self {
            Weight::Regular => Name(b"F1"),
            Weight::Bold => Name(b"F2"),
        }
    }
}

/// `text` in the WinAnsi encoding; characters it lacks become their nearest ASCII spelling.
fn win_ansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ' '..='~' => out.push(c as u8),
            '\u{a0}'..='\u{ff}' => out.push(c as u32 as u8),
            '–' => out.push(0x96),
            '—' => out.push(0x97),
            '…' => out.push(0x85),
            '•' => out.push(0x95),
            '‘' => out.push(0x91),
            '’' => out.push(0x92),
            '“' => out.push(0x93),
            '”' => out.push(0x94),
            '€' => out.push(0x80),
            '→' => out.extend_from_slice(b"->"),
            '▲' => out.push(b'^'),
            '▼' => out.push(b'v'),
            '\n' | '\t' => out.push(b' '),
            _ => out.push(b'?'),
        }
    }
    out
}

/// The width of `text` set in `weight` at `size` points.
pub fn text_width(text: &str, weight: Weight, size: f32) -> f32 {
    let table = match weight {
        Weight::Regular => &REGULAR,
        Weight::Bold => &BOLD,
    };
    let units: u32 = win_ansi(text)
        .iter()
        .map(|b| match b {
            32..=126 => table[(*b - 32) as usize] as u32,
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// `text` cut into lines no wider than `width`, at spaces (a word longer than a line is cut).
pub fn wrap(text: &str, weight: Weight, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, weight, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the line on its own: cut it where it no longer fits.
        let mut rest = word.to_string();
        while text_width(&rest, weight, size) > width && rest.chars().count() > 1 {
            let mut cut = rest.chars().count() - 1;
            while cut > 1
                && text_width(&rest.chars().take(cut).collect::<String>(), weight, size) > width
            {
                cut -= 1;
            }
            lines.push(rest.chars().take(cut).collect());
            rest = rest.chars().skip(cut).collect();
        }
        line = rest;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A table column: its share of the width and whether its cells are figures (set right).
pub struct Column {
    pub title: String,
    pub share: f32,
    pub numeric: bool,
}

/// A document being laid out, page by page.
pub struct Document {
    title: String,
    header: String,
    pages: Vec<Content>,
    y: f32,
    /// The footer of page n of N.
    footer: Box<dyn Fn(usize, usize) -> String>,
}

impl Document {
    /// `header` runs at the top of every page; `footer(n, total)` at the foot of page n.
    pub fn new(
        title: &str,
        header: &str,
        footer: impl Fn(usize, usize) -> String + 'static,
    ) -> Document {
        let mut d = Document {
            title: title.to_string(),
            header: header.to_string(),
            pages: Vec::new(),
            y: TOP,
            footer: Box::new(footer),
        };
        d.new_page();
        d
    }

    fn new_page(&mut self) {
        let mut c = Content::new();
        text(
            &mut c,
            MARGIN,
            PAGE_HEIGHT - MARGIN + 4.0,
            &self.header,
            Weight::Regular,
            8.0,
            GREY,
        );
        c.set_stroke_rgb(0.8, 0.8, 0.8);
        c.set_line_width(0.5);
        c.move_to(MARGIN, PAGE_HEIGHT - MARGIN);
        c.line_to(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN);
        c.stroke();
        self.pages.push(c);
        self.y = TOP;
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a document has a page")
    }

    /// Room for `height` points on this page, or a new page.
    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    pub fn heading(&mut self, text_: &str, size: f32) {
        // A heading keeps at least a few lines of what follows with it.
        self.room(size * 1.6 + 60.0);
        self.y -= size * 1.4;
        let y = self.y;
        text(self.page(), MARGIN, y, text_, Weight::Bold, size, INK);
        self.y -= size * 0.5;
    }

    pub fn paragraph(&mut self, text_: &str, size: f32, colour: [f32; 3]) {
        for line in wrap(text_, Weight::Regular, size, WIDTH) {
            self.room(size * 1.4);
            self.y -= size * 1.4;
            let y = self.y;
            text(self.page(), MARGIN, y, &line, Weight::Regular, size, colour);
        }
        self.y -= size * 0.4;
    }

    /// A table; its header row is repeated on every page it runs onto, and the last row is set
    /// in bold when `total_last`.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>], total_last: bool) {
        const SIZE: f32 = 7.5;
        const PAD: f32 = 3.0;
        let shares: f32 = columns.iter().map(|c| c.share).sum();
        let widths: Vec<f32> = columns.iter().map(|c| WIDTH * c.share / shares).collect();
        let cells = |values: Vec<&str>, weight: Weight| -> Vec<Vec<String>> {
            values
                .iter()
                .zip(&widths)
                .map(|(v, w)| wrap(v, weight, SIZE, w - 2.0 * PAD))
                .collect()
        };
        let header = cells(
            columns.iter().map(|c| c.title.as_str()).collect(),
            Weight::Bold,
        );
        let height = |lines: &[Vec<String>]| {
            lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * SIZE * 1.25 + 2.0 * PAD
        };
        let draw_row = |doc: &mut Document, lines: &[Vec<String>], weight: Weight, shade: bool| {
            let h = height(lines);
            let top = doc.y;
            let page = doc.page();
            if shade {
                page.set_fill_rgb(0.93, 0.95, 0.97);
                page.rect(MARGIN, top - h, WIDTH, h);
                page.fill_nonzero();
            }
            let mut x = MARGIN;
            for ((cell, w), column) in lines.iter().zip(&widths).zip(columns) {
                for (i, line) in cell.iter().enumerate() {
                    let y = top - PAD - SIZE * (1.0 + 1.25 * i as f32) + 1.0;
                    let lx = if column.numeric {
                        x + w - PAD - text_width(line, weight, SIZE)
                    } else {
                        x + PAD
                    };
                    text(page, lx, y, line, weight, SIZE, INK);
                }
                x += w;
            }
            page.set_stroke_rgb(0.85, 0.87, 0.9);
            page.set_line_width(0.4);
            page.move_to(MARGIN, top - h);
            page.line_to(MARGIN + WIDTH, top - h);
            page.stroke();
            doc.y -= h;
        };
        self.room(height(&header) * 2.0);
        draw_row(self, &header, Weight::Bold, true);
        for (i, row) in rows.iter().enumerate() {
            let weight = if total_last && i + 1 == rows.len() {
                Weight::Bold
            } else {
                Weight::Regular
            };
            let lines = cells(row.iter().map(String::as_str).collect(), weight);
            if self.y - height(&lines) < BOTTOM {
                self.new_page();
                draw_row(self, &header, Weight::Bold, true);
            }
            draw_row(self, &lines, weight, false);
        }
        self.y -= 8.0;
    }

    /// Horizontal bars of `values` (0–`max`, `None` drawn as a dash), one row a label.
    pub fn bars(&mut self, rows: &[(String, Option<f64>)], max: f64, unit: &str) {
        self.bars_shown(rows, max, |v| format!("{v:.1}{unit}"));
    }

    /// Horizontal bars of counts, scaled to the largest.
    pub fn count_bars(&mut self, rows: &[(String, i64)]) {
        let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
        let rows: Vec<(String, Option<f64>)> = rows
            .iter()
            .map(|(l, n)| (l.clone(), Some(*n as f64)))
            .collect();
        self.bars_shown(&rows, max, |v| format!("{v:.0}"));
    }

    fn bars_shown(
        &mut self,
        rows: &[(String, Option<f64>)],
        max: f64,
        show: impl Fn(f64) -> String,
    ) {
        const SIZE: f32 = 7.5;
        const ROW: f32 = 12.0;
        let label_width = WIDTH * 0.34;
        let bar_width = WIDTH - label_width - 40.0;
        for (label, value) in rows {
            self.room(ROW);
            self.y -= ROW;
            let y = self.y;
            let label = wrap(label, Weight::Regular, SIZE, label_width - 6.0)
                .into_iter()
                .next()
                .unwrap_or_default();
            let page = self.page();
            text(page, MARGIN, y + 2.5, &label, Weight::Regular, SIZE, INK);
            page.set_fill_rgb(0.92, 0.93, 0.95);
            page.rect(MARGIN + label_width, y + 1.0, bar_width, ROW - 4.0);
            page.fill_nonzero();
            let shown = match value {
                Some(v) => {
                    let w = (v.clamp(0.0, max) / max) as f32 * bar_width;
                    page.set_fill_rgb(0.04, 0.37, 0.49);
                    page.rect(MARGIN + label_width, y + 1.0, w, ROW - 4.0);
                    page.fill_nonzero();
                    show(*v)
                }
                None => "—".to_string(),
            };
            text(
                page,
                MARGIN + label_width + bar_width + 4.0,
                y + 2.5,
                &shown,
                Weight::Regular,
                SIZE,
                INK,
            );
        }
        self.y -= 8.0;
    }

    /// The finished file.
    pub fn finish(self) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let total = self.pages.len();
        let page_ids: Vec<Ref> = (0..total).map(|i| Ref::new(10 + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(total as i32);
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("Pantau"));
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        for (i, mut content) in self.pages.into_iter().enumerate() {
            let footer = (self.footer)(i + 1, total);
            let x = PAGE_WIDTH - MARGIN - text_width(&footer, Weight::Regular, 8.0);
            text(
                &mut content,
                x,
                MARGIN - 14.0,
                &footer,
                Weight::Regular,
                8.0,
                GREY,
            );
            let content_id = Ref::new(11 + 2 * i as i32);
            let mut page = pdf.page(page_ids[i]);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
            page.parent(tree);
            page.contents(content_id);
            page.resources()
                .fonts()
                .pair(Name(b"F1"), regular)
                .pair(Name(b"F2"), bold);
            page.finish();
            let data = compress(&content.finish());
            pdf.stream(content_id, &data).filter(Filter::FlateDecode);
        }
        pdf.finish()
    }
}

const INK: [f32; 3] = [0.11, 0.15, 0.19];
pub const GREY: [f32; 3] = [0.36, 0.4, 0.46];

fn text(c: &mut Content, x: f32, y: f32, s: &str, weight: Weight, size: f32, colour: [f32; 3]) {
    c.set_fill_rgb(colour[0], colour[1], colour[2]);
    c.begin_text();
    c.set_font(weight.font(), size);
    c.next_line(x, y);
    c.show(Str(&win_ansi(s)));
    c.end_text();
}

/// Content streams compressed (tables are repetitive text): a tenth of the size.
fn compress(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("writing to memory");
    e.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_within_the_width() {
        let lines = wrap(
            "Badan Narkotika Nasional Provinsi Jawa Barat",
            Weight::Regular,
            10.0,
            100.0,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(text_width(l, Weight::Regular, 10.0) <= 100.0, "{l}");
        }
        assert_eq!(
            lines.join(" "),
            "Badan Narkotika Nasional Provinsi Jawa Barat"
        );
    }

    #[test]
    fn a_long_table_runs_onto_pages_with_numbers() {
        let mut d = Document::new("uji", "Pantau", |n, total| {
            format!("Halaman {n} dari {total}")
        });
        let columns = [
            Column {
                title: "Satker".into(),
                share: 3.0,
                numeric: false,
            },
            Column {
                title: "Unit".into(),
                share: 1.0,
                numeric: true,
            },
        ];
        let rows: Vec<Vec<String>> = (0..200)
            .map(|i| vec![format!("BNNK {i}"), i.to_string()])
            .collect();
        d.table(&columns, &rows, true);
        assert!(d.pages.len() >= 3, "{} pages", d.pages.len());
        let bytes = d.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.windows(9).any(|w| w == b"Helvetica"));
    }

    #[test]
    fn text_outside_win_ansi_is_spelled_in_ascii() {
        assert_eq!(win_ansi("Jawa Barat → 50%"), b"Jawa Barat -> 50%".to_vec());
        assert_eq!(win_ansi("é–"), vec![0xE9, 0x96]);
    }
}
