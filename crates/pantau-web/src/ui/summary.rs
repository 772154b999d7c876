//! The programme summary (`/ringkasan`): the year's and the cumulative figures as BNN reports
//! them, for the nation or an office's subtree (see `pantau_db::summary`).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use pantau_db::summary::Summary;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SummaryQuery {
    year: Option<i64>,
    /// Empty for the nation (the picker's first choice).
    #[serde(default, deserialize_with = "crate::api::extract::optional_id")]
    office: Option<i64>,
}

/// One bar of a by-year chart: the year, its count, and the largest count of the chart.
pub struct Bar {
    pub year: String,
    pub n: i64,
    pub max: i64,
}

fn bars(by_year: &std::collections::BTreeMap<String, i64>) -> Vec<Bar> {
    let max = by_year.values().copied().max().unwrap_or(0).max(1);
    by_year
        .iter()
        .map(|(year, n)| Bar {
            year: year.clone(),
            n: *n,
            max,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "summary.html")]
struct SummaryPage {
    page: Page,
    s: Summary,
    place: super::Place,
    years: Vec<i64>,
    offices: Vec<(Option<i64>, String)>,
    pdf_href: String,
    xlsx_href: String,
    units_by_year: Vec<Bar>,
    coached_by_year: Vec<Bar>,
    standardised_by_year: Vec<Bar>,
    sni_targets: Vec<pantau_db::summary::TargetProgress>,
}

impl SummaryPage {
    fn category(&self, code: &str) -> i64 {
        self.s.ibm.by_category.get(code).copied().unwrap_or(0)
    }
    fn tier(&self, code: &str) -> i64 {
        self.s.sni.by_tier.get(code).copied().unwrap_or(0)
    }
    fn target(&self, code: &str) -> i64 {
        self.s.sni.targets.get(code).copied().unwrap_or(0)
    }
    /// "since 2021" for a cumulative figure, or nothing when there is nothing to count.
    fn since(&self, first: &Option<i64>) -> String {
        match first {
            Some(y) => self.page.i18n.t_with(
                self.page.lang,
                "sum-since",
                &[
                    ("from", y.to_string().into()),
                    ("to", self.s.year.to_string().into()),
                ],
            ),
            None => String::new(),
        }
    }
}

/// The summary asked for: the year, where, and its figures.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    page: &Page,
    q: &SummaryQuery,
) -> Result<(Summary, super::Place), AppError> {
    user.office_wide()?;
    let year = q.year.unwrap_or(pantau_db::today().year() as i64);
    let place = super::Place::find(state, user, page, q.office, |office| match office {
        Some(id) => format!("/ringkasan?year={year}&office={id}"),
        None => format!("/ringkasan?year={year}"),
    })
    .await?;
    let s = pantau_db::summary::summary(&state.db, user.principal(), year, place.office).await?;
    Ok((s, place))
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, AppError> {
    let (s, place) = load(&state, &user, &page, &q).await?;
    let query = match place.office {
        Some(o) => format!("year={}&office={o}", s.year),
        None => format!("year={}", s.year),
    };
    let sni_targets = pantau_db::summary::target_progress_by_child(
        &state.db,
        user.principal(),
        s.year,
        place.office,
    )
    .await?;
    let html = SummaryPage {
        sni_targets,
        units_by_year: bars(&s.ibm.units_by_year),
        coached_by_year: bars(&s.sni.coached_by_year),
        standardised_by_year: bars(&s.sni.standardised_by_year),
        pdf_href: format!("/ringkasan.pdf?{query}"),
        xlsx_href: format!("/ringkasan.xlsx?{query}"),
        s,
        place,
        years: (pantau_db::exchange::history::FIRST_HISTORY_YEAR
            ..=pantau_db::today().year() as i64 + 1)
            .rev()
            .collect(),
        offices: super::pack::pack_offices(&state, &user, &page).await?,
        page,
    }
    .render()?;
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
pub struct TargetForm {
    office_id: i64,
    year: i64,
    kind: String,
    target: i64,
}

/// A national admin sets an office's SNI coaching target for a year and track.
pub async fn save_target(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Form(f): axum::Form<TargetForm>,
) -> Result<Response, AppError> {
    pantau_db::summary::set_target(
        &state.db,
        pantau_db::Actor::User(user.principal()),
        f.office_id,
        f.year,
        &f.kind,
        f.target,
    )
    .await?;
    Ok(super::saved(
        &format!("/ringkasan?year={}&office={}#target", f.year, f.office_id),
        "ibm-saved",
    ))
}

/// The figures of the handout: (label, value) for the year, then the cumulative ones.
fn figures(page: &Page, s: &Summary) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let t = |id: &str| page.t(id);
    let category = |c: &str| s.ibm.by_category.get(c).copied().unwrap_or(0).to_string();
    let kind = |m: &std::collections::BTreeMap<String, i64>, k: &str| {
        m.get(k).copied().unwrap_or(0).to_string()
    };
    let year = vec![
        (
            format!("{} {}", t("sum-ibm-units"), s.year),
            s.ibm.units.to_string(),
        ),
        (
            format!("  {}", t("ibm-category-berkelanjutan")),
            category("berkelanjutan"),
        ),
        (
            format!("  {}", t("ibm-category-berkelanjutan_mandiri")),
            category("berkelanjutan_mandiri"),
        ),
        (format!("  {}", t("ibm-category-baru")), category("baru")),
        (
            format!("  {}", t("ibm-category-baru_mandiri")),
            category("baru_mandiri"),
        ),
        (t("sum-new-units"), s.ibm.new_units.to_string()),
        (t("ibm-assessed"), s.ibm.assessed.to_string()),
        (t("ibm-on-target"), s.ibm.on_target.to_string()),
        (
            format!("{} {}", t("sum-coached"), s.year),
            s.sni.coached.to_string(),
        ),
        (
            format!(
                "  {} ({} {})",
                t("sni-kind-prioritas_nasional"),
                t("sum-target"),
                kind(&s.sni.targets, "prioritas_nasional")
            ),
            kind(&s.sni.by_tier, "prioritas_nasional"),
        ),
        (
            format!(
                "  {} ({} {})",
                t("sni-kind-reguler"),
                t("sum-target"),
                kind(&s.sni.targets, "reguler")
            ),
            kind(&s.sni.by_tier, "reguler"),
        ),
        (t("sum-recommended"), s.sni.recommended.to_string()),
        (t("sum-certified"), s.sni.certified.to_string()),
    ];
    let since = |first: Option<i64>| match first {
        Some(y) => page.i18n.t_with(
            page.lang,
            "sum-since",
            &[
                ("from", y.to_string().into()),
                ("to", s.year.to_string().into()),
            ],
        ),
        None => "—".into(),
    };
    let cumulative = vec![
        (
            format!(
                "{} — {} ({})",
                t("sum-assisted"),
                t("sum-assisted-distinct"),
                since(s.ibm.assisted_since)
            ),
            s.ibm.assisted_distinct.to_string(),
        ),
        (
            format!(
                "{} — {} ({})",
                t("sum-assisted"),
                t("sum-assisted-unit-years"),
                since(s.ibm.assisted_since)
            ),
            s.ibm.assisted_unit_years.to_string(),
        ),
        (
            format!(
                "{} ({})",
                t("sum-standardised"),
                since(s.sni.standardised_since)
            ),
            s.sni.standardised_cumulative.to_string(),
        ),
    ];
    (year, cumulative)
}

/// The one-page handout as PDF: the year's and the cumulative figures and a chart of each by
/// year, for press releases and meetings.
pub async fn pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, AppError> {
    use crate::pdf::{Column, Document, GREY};
    let (s, place) = load(&state, &user, &page, &q).await?;
    let heading = format!("{}: {} {}", page.t("sum-title"), place.title, s.year);
    let generated = page.when(&pantau_db::now_rfc3339());
    let (i18n, lang) = (page.i18n.clone(), page.lang);
    let mut doc = Document::new(
        &heading,
        &format!(
            "Pantau · {heading} · {} {generated}",
            page.t("pack-generated")
        ),
        move |n, total| {
            i18n.t_with(
                lang,
                "pack-page-of",
                &[("n", (n as i64).into()), ("total", (total as i64).into())],
            )
        },
    );
    doc.heading(&heading, 15.0);
    doc.paragraph(
        &format!("{} {generated}", page.t("pack-generated")),
        8.0,
        GREY,
    );
    let (year, cumulative) = figures(&page, &s);
    let columns = [
        Column {
            title: String::new(),
            share: 4.0,
            numeric: false,
        },
        Column {
            title: s.year.to_string(),
            share: 1.0,
            numeric: true,
        },
    ];
    let rows = |r: &[(String, String)]| -> Vec<Vec<String>> {
        r.iter().map(|(l, v)| vec![l.clone(), v.clone()]).collect()
    };
    doc.table(&columns, &rows(&year), false);
    let columns = [
        Column {
            title: String::new(),
            share: 4.0,
            numeric: false,
        },
        Column {
            title: page.t("sum-cumulative"),
            share: 1.0,
            numeric: true,
        },
    ];
    doc.table(&columns, &rows(&cumulative), false);
    let counts = |m: &std::collections::BTreeMap<String, i64>| -> Vec<(String, i64)> {
        m.iter().map(|(y, n)| (y.clone(), *n)).collect()
    };
    for (title, by_year) in [
        ("sum-units-by-year", &s.ibm.units_by_year),
        ("sum-coached-by-year", &s.sni.coached_by_year),
        ("sum-standardised-by-year", &s.sni.standardised_by_year),
    ] {
        doc.heading(&page.t(title), 10.0);
        doc.count_bars(&counts(by_year));
    }
    doc.paragraph(&page.t("sum-definitions"), 7.5, GREY);
    Ok(super::pack::attachment(
        doc.finish(),
        "application/pdf",
        &format!(
            "ringkasan-{}-{}.pdf",
            super::pack::file_stem(&place.title),
            s.year
        ),
    ))
}

/// The same handout as an XLSX workbook: the figures, then each by-year series with its chart.
pub async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, AppError> {
    let (s, place) = load(&state, &user, &page, &q).await?;
    let bytes = workbook(&page, &s, &place.title)
        .map_err(|e| AppError::BadRequest(format!("XLSX: {e}")))?;
    Ok(super::pack::attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!(
            "ringkasan-{}-{}.xlsx",
            super::pack::file_stem(&place.title),
            s.year
        ),
    ))
}

fn workbook(page: &Page, s: &Summary, title: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let name = super::pack::sheet_name(&page.t("sum-nav"));
    let sheet = wb.add_worksheet().set_name(&name)?;
    sheet.set_column_width(0, 60)?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{}: {title} {}", page.t("sum-title"), s.year),
        &bold,
    )?;
    let (year, cumulative) = figures(page, s);
    let mut row = 2;
    for (label, value) in year.iter().chain(cumulative.iter()) {
        sheet.write_string(row, 0, label)?;
        sheet.write_number(row, 1, value.parse::<f64>().unwrap_or(0.0))?;
        row += 1;
    }
    // The by-year series side by side: year, units, coached, standardised.
    row += 1;
    let top = row;
    for (c, h) in [
        page.t("ibm-year"),
        page.t("sum-units-by-year"),
        page.t("sum-coached-by-year"),
        page.t("sum-standardised-by-year"),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(top, c as u16, h, &bold)?;
    }
    let mut years: Vec<&String> = s
        .ibm
        .units_by_year
        .keys()
        .chain(s.sni.coached_by_year.keys())
        .chain(s.sni.standardised_by_year.keys())
        .collect();
    years.sort();
    years.dedup();
    for y in &years {
        row += 1;
        sheet.write_string(row, 0, y.as_str())?;
        for (c, m) in [
            &s.ibm.units_by_year,
            &s.sni.coached_by_year,
            &s.sni.standardised_by_year,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_number(row, c as u16 + 1, m.get(*y).copied().unwrap_or(0) as f64)?;
        }
    }
    if !years.is_empty() {
        let mut chart = Chart::new(ChartType::Column);
        chart
            .title()
            .set_name(&format!("{title} — {}", page.t("sum-title")));
        for col in 1..=3u16 {
            chart
                .add_series()
                .set_name((name.as_str(), top, col))
                .set_categories((name.as_str(), top + 1, 0, row, 0))
                .set_values((name.as_str(), top + 1, col, row, col));
        }
        sheet.insert_chart(row + 2, 0, &chart)?;
    }
    Ok(wb.save_to_buffer()?)
}
