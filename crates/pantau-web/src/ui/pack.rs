//! Evaluation-meeting packs: a print-ready page (the browser prints it to PDF) and an XLSX
//! workbook with the same tables.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use pantau_db::packs::{self, Pack};
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PackQuery {
    year: Option<i64>,
    /// Empty for the nation (the picker's first choice).
    #[serde(default, deserialize_with = "crate::api::extract::optional_id")]
    office: Option<i64>,
}

async fn load(
    state: &AppState,
    user: &CurrentUser,
    page: &Page,
    q: &PackQuery,
) -> Result<(Pack, super::Place, i64), AppError> {
    let today = pantau_db::today();
    let year = q.year.unwrap_or(today.year() as i64);
    let place = super::Place::find(state, user, page, q.office, |office| match office {
        Some(id) => format!("/paket?year={year}&office={id}"),
        None => format!("/paket?year={year}"),
    })
    .await?;
    let pack = packs::build(&state.db, user.principal(), place.office, year, today).await?;
    Ok((pack, place, year))
}

#[derive(Template)]
#[template(path = "pack.html")]
struct PackPage {
    page: Page,
    pack: Pack,
    place: super::Place,
    year: i64,
    xlsx_href: String,
    pdf_href: String,
    generated: String,
    years: Vec<i64>,
    /// The offices whose pack the reader may open, `None` for the nation.
    offices: Vec<(Option<i64>, String)>,
    /// The pack's SNI targets, named as the shared table expects.
    sni_targets: Vec<pantau_db::summary::TargetProgress>,
}

impl PackPage {
    fn factors_missing(&self) -> String {
        factors_missing(&self.page, self.year)
    }
    /// Which finished years the changes compare.
    fn movers_note(&self) -> String {
        let to = self.pack.movers_to;
        self.page.i18n.t_with(
            self.page.lang,
            "pack-movers-years",
            &[
                ("from", (to - 1).to_string().into()),
                ("to", to.to_string().into()),
            ],
        )
    }
    fn signed(&self, v: &f64) -> String {
        format!("{v:+.1}")
    }
    fn factor_name(&self, f: &(String, String, String, i64)) -> String {
        if self.page.lang.code() == "en" {
            f.2.clone()
        } else {
            f.1.clone()
        }
    }
}

/// The pack page, kept whole until the next write like the dashboard (its "generated" time says
/// when the figures were taken).
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<PackQuery>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let keeping = match super::Keeping::begin(&state, &user, &page, &uri) {
        Ok(k) => k,
        Err(kept) => return Ok(kept),
    };
    let (pack, place, year) = load(&state, &user, &page, &q).await?;
    let query = match place.office {
        Some(o) => format!("year={year}&office={o}"),
        None => format!("year={year}"),
    };
    let (xlsx_href, pdf_href) = (
        format!("/paket.xlsx?{query}"),
        format!("/paket.pdf?{query}"),
    );
    let html = PackPage {
        sni_targets: pack.sni_targets.clone(),
        pack,
        place,
        year,
        xlsx_href,
        pdf_href,
        years: (2021..=pantau_db::today().year() as i64 + 1)
            .rev()
            .collect(),
        offices: pack_offices(&state, &user, &page).await?,
        generated: pantau_db::now_rfc3339(),
        page,
    };
    keeping.render(&state, html)
}

/// The same pack as an XLSX workbook: one sheet per table.
pub async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<PackQuery>,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let (pack, place, year) = load(&state, &user, &page, &q).await?;
    let title = place.title;
    let bytes = workbook(&page, &pack, &title, year)
        .map_err(|e| AppError::BadRequest(format!("XLSX: {e}")))?;
    Ok(attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("pantau-{}-{year}.xlsx", file_stem(&title)),
    ))
}

/// The same pack as a PDF file (A4): the tables, the on-target chart, the red flags and the
/// obstacles and drivers, with the office and the date on every page and its page numbers.
pub async fn pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<PackQuery>,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let (pack, place, year) = load(&state, &user, &page, &q).await?;
    let bytes = pdf_document(&page, &pack, &place.title, year);
    Ok(attachment(
        bytes,
        "application/pdf",
        &format!("pantau-{}-{year}.pdf", file_stem(&place.title)),
    ))
}

/// The nation (for national readers), then every province and district office in scope.
pub(super) async fn pack_offices(
    state: &AppState,
    user: &CurrentUser,
    page: &Page,
) -> Result<Vec<(Option<i64>, String)>, AppError> {
    let mut out = Vec::new();
    for o in pantau_db::offices::in_scope(&state.db, user.principal()).await? {
        match o.level.as_str() {
            "pusat" => out.push((None, page.t("ibm-nation"))),
            _ => out.push((Some(o.id), o.name)),
        }
    }
    Ok(out)
}

/// `bytes` as a file to download, named `file`.
pub(super) fn attachment(bytes: Vec<u8>, content_type: &'static str, file: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A file name's stem from a title: lower case, every other character a hyphen.
pub(super) fn file_stem(title: &str) -> String {
    title
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
}

fn pdf_document(page: &Page, pack: &Pack, title: &str, year: i64) -> Vec<u8> {
    use crate::pdf::{Column, Document, GREY};
    let t = |id: &str| page.t(id);
    let pct = |v: Option<f64>| page.pct(v);
    let heading = format!("{}: {title} {year}", t("pack-title"));
    let generated = page.when(&pantau_db::now_rfc3339());
    let (i18n, lang) = (page.i18n.clone(), page.lang);
    let mut doc = Document::new(
        &heading,
        &format!("Pantau · {heading} · {} {generated}", t("pack-generated")),
        move |n, total| {
            i18n.t_with(
                lang,
                "pack-page-of",
                &[("n", (n as i64).into()), ("total", (total as i64).into())],
            )
        },
    );
    doc.heading(&heading, 15.0);
    doc.paragraph(&format!("{} {generated}", t("pack-generated")), 8.0, GREY);

    doc.heading(&t("ibm-targets"), 11.0);
    let column = |id: &str, share: f32, numeric: bool| Column {
        title: if id.is_empty() { String::new() } else { t(id) },
        share,
        numeric,
    };
    let columns = [
        column("", 3.2, false),
        column("ibm-units", 1.0, true),
        column("ibm-category-berkelanjutan", 1.2, true),
        column("ibm-category-berkelanjutan_mandiri", 1.2, true),
        column("ibm-category-baru", 0.9, true),
        column("ibm-category-baru_mandiri", 1.1, true),
        column("ibm-with-target", 1.0, true),
        column("ibm-assessed", 1.0, true),
        column("ibm-on-target", 1.0, true),
        column("dash-pct-on-target", 1.1, true),
        column("dash-completeness", 1.3, true),
    ];
    let row =
        |label: &str, r: &pantau_core::ibm::TargetRow, c: &pantau_db::dashboard::Completeness| {
            vec![
                label.to_string(),
                r.units.to_string(),
                r.berkelanjutan.to_string(),
                r.berkelanjutan_mandiri.to_string(),
                r.baru.to_string(),
                r.baru_mandiri.to_string(),
                r.with_target.to_string(),
                r.assessed.to_string(),
                r.on_target.to_string(),
                pct(r.on_target_pct()),
                pct(c.completeness_pct()),
            ]
        };
    let mut rows: Vec<Vec<String>> = pack
        .dashboard
        .rows
        .iter()
        .map(|r| row(&r.targets.label, &r.targets, &r.reporting))
        .collect();
    rows.push(row(
        &t("ibm-total"),
        &pack.dashboard.total,
        &pack.dashboard.reporting,
    ));
    doc.table(&columns, &rows, true);
    doc.paragraph(&t("dash-on-target-help"), 7.5, GREY);

    doc.heading(&t("dash-pct-on-target"), 11.0);
    let bars: Vec<(String, Option<f64>)> = pack
        .dashboard
        .rows
        .iter()
        .map(|r| (r.targets.label.clone(), r.targets.on_target_pct()))
        .collect();
    doc.bars(&bars, 100.0, "%");

    doc.heading(&t("pack-league"), 11.0);
    let league: Vec<Vec<String>> = pack
        .league
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.label.clone(),
                pct(r.on_target_pct()),
                format!("{}/{}", r.on_target, r.assessed),
            ]
        })
        .collect();
    doc.table(
        &[
            column("pack-rank", 0.6, true),
            column("ibm-office", 4.0, false),
            column("dash-pct-on-target", 1.2, true),
            column("ibm-on-target", 1.2, true),
        ],
        &league,
        false,
    );

    doc.heading(&t("pack-movers"), 11.0);
    let to = pack.movers_to;
    doc.paragraph(
        &page.i18n.t_with(
            page.lang,
            "pack-movers-years",
            &[
                ("from", (to - 1).to_string().into()),
                ("to", to.to_string().into()),
            ],
        ),
        8.0,
        GREY,
    );
    if pack.movers.is_empty() {
        doc.paragraph("—", 9.0, GREY);
    } else {
        let movers: Vec<Vec<String>> = pack
            .movers
            .iter()
            .map(|m| {
                vec![
                    m.label.clone(),
                    pct(m.before),
                    pct(m.after),
                    format!("{:+.1}", m.change),
                ]
            })
            .collect();
        doc.table(
            &[
                column("ibm-office", 4.0, false),
                Column {
                    title: (to - 1).to_string(),
                    share: 1.2,
                    numeric: true,
                },
                Column {
                    title: to.to_string(),
                    share: 1.2,
                    numeric: true,
                },
                column("pack-change", 1.2, true),
            ],
            &movers,
            false,
        );
    }

    doc.heading(&t("sum-targets-by-office"), 11.0);
    if pack.sni_targets.is_empty() {
        doc.paragraph(&t("sum-no-targets"), 8.0, GREY);
    } else {
        let rows: Vec<Vec<String>> = pack
            .sni_targets
            .iter()
            .map(|r| target_cells(page, r))
            .collect();
        doc.table(
            &[
                column("ibm-office", 2.8, false),
                column("sni-kind", 1.5, false),
                column("sum-target", 0.8, true),
                column("sum-coached-short", 0.8, true),
                Column {
                    title: "%".into(),
                    share: 0.6,
                    numeric: true,
                },
                column("sum-recommended", 1.9, true),
                column("sum-certified", 1.6, true),
            ],
            &rows,
            false,
        );
        doc.paragraph(&t("sum-targets-rule"), 7.5, GREY);
    }

    doc.heading(&t("pack-red-flags"), 11.0);
    doc.heading(
        &format!(
            "{} ({})",
            t("dash-silent-units"),
            pack.dashboard.reporting.silent_units
        ),
        9.0,
    );
    for (_, code, name) in &pack.dashboard.silent {
        doc.paragraph(&format!("• {code} {name}"), 8.0, [0.1, 0.1, 0.1]);
    }
    doc.heading(
        &format!(
            "{} ({})",
            t("pack-overdue-actions"),
            pack.overdue_actions.len()
        ),
        9.0,
    );
    for a in &pack.overdue_actions {
        doc.paragraph(
            &format!(
                "• {}: {} — {}, {}",
                a.institution, a.description, a.owner, a.due_date
            ),
            8.0,
            [0.1, 0.1, 0.1],
        );
    }
    doc.heading(
        &format!("{} ({})", t("sni-expiring"), pack.expiring.len()),
        9.0,
    );
    for c in &pack.expiring {
        doc.paragraph(
            &format!(
                "• {}: {} ({})",
                c.institution, c.certificate_number, c.valid_until
            ),
            8.0,
            [0.1, 0.1, 0.1],
        );
    }

    doc.heading(&t("ibm-factors"), 11.0);
    if pack.factors.is_empty() {
        doc.paragraph(&factors_missing(page, year), 8.0, GREY);
    } else {
        let factors: Vec<Vec<String>> = pack
            .factors
            .iter()
            .map(|f| {
                vec![
                    page.tv("ibm-factor-", &f.0),
                    if page.lang.code() == "en" {
                        f.2.clone()
                    } else {
                        f.1.clone()
                    },
                    f.3.to_string(),
                ]
            })
            .collect();
        doc.table(
            &[
                column("pack-factor-kind", 1.2, false),
                column("pack-factor", 4.0, false),
                column("pack-factor-count", 1.0, true),
            ],
            &factors,
            false,
        );
    }
    doc.finish()
}

/// Why the obstacles and drivers section is empty.
fn factors_missing(page: &Page, year: i64) -> String {
    page.i18n.t_with(
        page.lang,
        "pack-factors-none",
        &[("year", year.to_string().into())],
    )
}

/// A bar chart's height for `bars` bars: readable labels, within Excel's limits.
fn chart_height(bars: u32) -> u32 {
    (120 + bars * 22).clamp(300, 2400)
}

fn workbook(
    page: &Page,
    pack: &Pack,
    title: &str,
    year: i64,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let t = |id: &str| page.t(id);

    let targets_name = sheet_name(&t("ibm-targets"));
    let sheet = wb.add_worksheet().set_name(&targets_name)?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{} — {title} {year}", t("ibm-targets")),
        &bold,
    )?;
    let headers = [
        String::new(),
        t("ibm-units"),
        t("ibm-category-berkelanjutan"),
        t("ibm-category-berkelanjutan_mandiri"),
        t("ibm-category-baru"),
        t("ibm-category-baru_mandiri"),
        t("ibm-with-target"),
        t("ibm-assessed"),
        t("ibm-on-target"),
        "%".into(),
        t("dash-completeness"),
        t("dash-timeliness"),
        t("ibm-silent"),
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, h, &bold)?;
    }
    let mut row = 3;
    for r in pack.dashboard.rows.iter() {
        let x = &r.targets;
        sheet.write_string(row, 0, &x.label)?;
        for (c, v) in [
            x.units,
            x.berkelanjutan,
            x.berkelanjutan_mandiri,
            x.baru,
            x.baru_mandiri,
            x.with_target,
            x.assessed,
            x.on_target,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_number(row, c as u16 + 1, *v as f64)?;
        }
        if let Some(p) = x.on_target_pct() {
            sheet.write_number(row, 9, p)?;
        }
        if let Some(p) = r.reporting.completeness_pct() {
            sheet.write_number(row, 10, p)?;
        }
        if let Some(p) = r.reporting.timeliness_pct() {
            sheet.write_number(row, 11, p)?;
        }
        sheet.write_number(row, 12, r.reporting.silent_units as f64)?;
        row += 1;
    }
    let x = &pack.dashboard.total;
    sheet.write_string_with_format(row, 0, t("ibm-total"), &bold)?;
    for (c, v) in [
        x.units,
        x.berkelanjutan,
        x.berkelanjutan_mandiri,
        x.baru,
        x.baru_mandiri,
        x.with_target,
        x.assessed,
        x.on_target,
    ]
    .iter()
    .enumerate()
    {
        sheet.write_number_with_format(row, c as u16 + 1, *v as f64, &bold)?;
    }
    sheet.set_column_width(0, 40)?;
    // A native chart (Excel draws it, and it follows edits to the cells): the year's units per
    // category and office, stacked — the dashboard's category chart.
    let last = row - 1;
    if last >= 3 {
        let mut chart = Chart::new(ChartType::BarStacked);
        chart
            .title()
            .set_name(&format!("{} — {title} {year}", t("dash-by-category")));
        for col in 2..=5u16 {
            chart
                .add_series()
                .set_name((targets_name.as_str(), 2, col))
                .set_categories((targets_name.as_str(), 3, 0, last, 0))
                .set_values((targets_name.as_str(), 3, col, last, col));
        }
        chart.y_axis().set_name(&t("ibm-units"));
        chart.set_width(720).set_height(chart_height(last - 2));
        sheet.insert_chart(row + 2, 0, &chart)?;
    }

    let league_name = sheet_name(&t("pack-league"));
    let sheet = wb.add_worksheet().set_name(&league_name)?;
    for (c, h) in [
        t("pack-rank"),
        String::new(),
        t("ibm-on-target"),
        t("ibm-with-target"),
        "%".into(),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, r) in pack.league.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, &r.label)?;
        sheet.write_number(row, 2, r.on_target as f64)?;
        sheet.write_number(row, 3, r.with_target as f64)?;
        if let Some(p) = r.on_target_pct() {
            sheet.write_number(row, 4, p)?;
        }
    }
    sheet.set_column_width(1, 40)?;
    if !pack.league.is_empty() {
        let last = pack.league.len() as u32;
        let mut chart = Chart::new(ChartType::Bar);
        chart
            .title()
            .set_name(&format!("{} — {title} {year}", t("pack-league")));
        chart
            .add_series()
            .set_name(&t("ibm-on-target"))
            .set_categories((league_name.as_str(), 1, 1, last, 1))
            .set_values((league_name.as_str(), 1, 4, last, 4));
        // The best office at the top, as in the table.
        chart.x_axis().set_reverse();
        chart.y_axis().set_name("%").set_min(0).set_max(100);
        chart.legend().set_hidden();
        chart.set_width(640).set_height(chart_height(last));
        sheet.insert_chart(1, 6, &chart)?;
    }

    let sheet = wb
        .add_worksheet()
        .set_name(&sheet_name(&t("pack-movers")))?;
    for (c, h) in [
        String::new(),
        format!("% {}", year - 1),
        format!("% {year}"),
        t("pack-change"),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, m) in pack.movers.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &m.label)?;
        if let Some(b) = m.before {
            sheet.write_number(row, 1, b)?;
        }
        if let Some(a) = m.after {
            sheet.write_number(row, 2, a)?;
        }
        sheet.write_number(row, 3, m.change)?;
    }
    sheet.set_column_width(0, 40)?;

    let sheet = wb
        .add_worksheet()
        .set_name(&sheet_name(&t("sum-targets-by-office")))?;
    for (c, h) in [
        t("ibm-office"),
        t("sni-kind"),
        t("sum-target"),
        t("sum-coached-short"),
        "%".to_string(),
        t("sum-recommended"),
        t("sum-certified"),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, r) in pack.sni_targets.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = target_cells(page, r);
        sheet.write_string(row, 0, &cells[0])?;
        sheet.write_string(row, 1, &cells[1])?;
        if r.office_id.is_some() {
            sheet.write_number(row, 2, r.target as f64)?;
        }
        sheet.write_number(row, 3, r.coached as f64)?;
        if r.target > 0 {
            sheet.write_number(row, 4, (r.coached * 100 / r.target) as f64)?;
        }
        sheet.write_number(row, 5, r.recommended as f64)?;
        sheet.write_number(row, 6, r.certified as f64)?;
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 24)?;

    let sheet = wb
        .add_worksheet()
        .set_name(&sheet_name(&t("pack-red-flags")))?;
    let mut row = 0;
    sheet.write_string_with_format(row, 0, t("dash-silent-units"), &bold)?;
    for (_, code, name) in &pack.dashboard.silent {
        row += 1;
        sheet.write_string(row, 0, code)?;
        sheet.write_string(row, 1, name)?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, t("pack-overdue-actions"), &bold)?;
    for a in &pack.overdue_actions {
        row += 1;
        sheet.write_string(row, 0, &a.institution)?;
        sheet.write_string(row, 1, &a.description)?;
        sheet.write_string(row, 2, &a.owner)?;
        sheet.write_string(row, 3, &a.due_date)?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, t("sni-expiring"), &bold)?;
    for c in &pack.expiring {
        row += 1;
        sheet.write_string(row, 0, &c.institution)?;
        sheet.write_string(row, 1, &c.certificate_number)?;
        sheet.write_string(row, 2, &c.valid_until)?;
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 40)?;

    let sheet = wb
        .add_worksheet()
        .set_name(&sheet_name(&t("ibm-factors")))?;
    for (i, f) in pack.factors.iter().enumerate() {
        let row = i as u32;
        sheet.write_string(row, 0, page.tv("ibm-factor-", &f.0))?;
        sheet.write_string(row, 1, if page.lang.code() == "en" { &f.2 } else { &f.1 })?;
        sheet.write_number(row, 2, f.3 as f64)?;
    }
    sheet.set_column_width(1, 50)?;
    wb.save_to_buffer()
}

/// One target row as the pack's tables show it: office, track, target, coached, share of the
/// target, recommended, certified.
fn target_cells(page: &Page, r: &pantau_db::summary::TargetProgress) -> Vec<String> {
    let (office, target, share) = match r.office_id {
        Some(_) => (
            r.office_name.clone(),
            r.target.to_string(),
            if r.target > 0 {
                (r.coached * 100 / r.target).to_string()
            } else {
                "—".into()
            },
        ),
        None => (page.t("sum-without-target"), "—".into(), "—".into()),
    };
    vec![
        office,
        page.tv("sni-kind-", &r.kind),
        target,
        r.coached.to_string(),
        share,
        r.recommended.to_string(),
        r.certified.to_string(),
    ]
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
pub(super) fn sheet_name(s: &str) -> String {
    s.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}
