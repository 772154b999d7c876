//! The live IBM dashboard: nation → province → district → unit, with charts and red flags.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::page::Page;
use crate::view::{Figures, figures};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use pantau_core::ibm::Category;
use pantau_db::dashboard::{self, IbmDashboard};
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Page,
    d: IbmDashboard,
    place: super::Place,
    years: Vec<i64>,
    category_chart: String,
    trend_chart: String,
    /// Only at the national level: on-target share per province.
    map_chart: Option<String>,
    sni: dashboard::SniSummary,
    sni_targets: Vec<pantau_db::summary::TargetProgress>,
    provinces: std::collections::HashMap<String, String>,
}

impl DashboardPage {
    fn province(&self, code: &str) -> String {
        self.provinces
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
    /// "27 of 72 units with a final assessment · 186 not assessed yet".
    fn on_target_of(&self) -> String {
        let t = &self.d.total;
        self.page.i18n.t_with(
            self.page.lang,
            "dash-on-target-of",
            &[
                ("on", t.on_target.into()),
                ("assessed", t.assessed.into()),
                ("unassessed", t.unassessed().into()),
            ],
        )
    }
    fn completeness_of(&self) -> String {
        let r = &self.d.reporting;
        self.of(
            "dash-completeness-of",
            r.submitted() as i64,
            r.expected as i64,
        )
    }
    fn timeliness_of(&self) -> String {
        let r = &self.d.reporting;
        self.of("dash-timeliness-of", r.on_time as i64, r.submitted() as i64)
    }
    /// "`part` of `whole` …" with the message `id`.
    fn of(&self, id: &str, part: i64, whole: i64) -> String {
        self.page.i18n.t_with(
            self.page.lang,
            id,
            &[("part", part.into()), ("whole", whole.into())],
        )
    }
    fn row_href(&self, key: &str) -> String {
        if let Some(id) = key.strip_prefix("satker:") {
            format!("/dasbor?year={}&office={id}", self.d.year)
        } else if let Some(id) = key.strip_prefix("unit:") {
            format!("/ibm/{id}")
        } else {
            "#".into()
        }
    }
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    year: Option<i64>,
    office: Option<i64>,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(q): Query<DashboardQuery>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let today = pantau_db::today();
    let year = q.year.unwrap_or(today.year() as i64);
    let keeping = match super::Keeping::begin(&state, &user, &page, &uri) {
        Ok(k) => k,
        Err(kept) => return Ok(kept),
    };
    let place = super::Place::find(&state, &user, &page, q.office, |office| match office {
        Some(id) => format!("/dasbor?year={year}&office={id}"),
        None => format!("/dasbor?year={year}"),
    })
    .await?;
    let figures = figures(&state, &user, place.office, year, today).await?;
    let Figures {
        d,
        sni,
        sni_targets,
        map_chart,
    } = (*figures).clone();
    let labels: Vec<&str> = d.rows.iter().map(|r| r.targets.label.as_str()).collect();
    let cat = |f: fn(&pantau_core::ibm::TargetRow) -> i64| {
        d.rows.iter().map(|r| f(&r.targets)).collect::<Vec<_>>()
    };
    // Horizontal bars keep long office and unit names readable; a click on a bar opens the
    // unit list of that office and category.
    let links: Vec<String> = d
        .rows
        .iter()
        .map(|r| match r.targets.key.strip_prefix("satker:") {
            Some(id) => format!("/ibm?office={id}&year={year}"),
            None => r
                .targets
                .key
                .strip_prefix("unit:")
                .map(|id| format!("/ibm/{id}"))
                .unwrap_or_default(),
        })
        .collect();
    let series = |c: Category, f: fn(&pantau_core::ibm::TargetRow) -> i64| {
        json!({"name": page.t(&format!("ibm-category-{}", c.as_str())), "stack": "c",
               "data": cat(f), "param": format!("category={}", c.as_str())})
    };
    let category_chart = json!({
        "kind": "bar",
        "horizontal": true,
        "categories": labels,
        "links": links,
        "series": [
            series(Category::Berkelanjutan, |r| r.berkelanjutan),
            series(Category::BerkelanjutanMandiri, |r| r.berkelanjutan_mandiri),
            series(Category::Baru, |r| r.baru),
            series(Category::BaruMandiri, |r| r.baru_mandiri),
        ]
    })
    .to_string();
    let trend_chart = json!({
        "kind": "line",
        "categories": d.trend.iter().map(|t| t.year.to_string()).collect::<Vec<_>>(),
        "series": [
            {"name": page.t("ibm-units"), "data": d.trend.iter().map(|t| t.units).collect::<Vec<_>>()},
            {"name": page.t("ibm-on-target"), "data": d.trend.iter().map(|t| t.on_target).collect::<Vec<_>>()},
        ]
    })
    .to_string();
    let html = DashboardPage {
        provinces: super::province_names(&state).await?,
        sni,
        sni_targets,
        map_chart,
        years: (2021..=today.year() as i64 + 1).rev().collect(),
        place,
        d,
        category_chart,
        trend_chart,
        page,
    };
    keeping.render(&state, html)
}
