//! The working lists of [`pantau_db::lists`] as pages: one handler and one template serve them
//! all — search, filters, sortable headers, paging with the total, and "download this list"
//! (CSV/XLSX of exactly the rows matched, with the names shown on the page). Every setting lives
//! in the address, so a filtered list can be bookmarked and shared.

use super::{PAGE_SIZE, Pager, query_string};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, RequestError};
use crate::page::Page;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use pantau_db::exchange::Table;
use pantau_db::lists::{self, FilterKind, ListDef, ListRequest, ListRow, Show};
use pantau_db::wilayah;

/// Where each list lives, and the group of lists its tabs show.
pub(crate) const PLACES: &[(&str, &ListDef, Group)] = &[
    ("/ibm/laporan", &lists::REPORTS, Group::Ibm),
    ("/ibm/kunjungan", &lists::VISITS, Group::Ibm),
    ("/ibm/tindak-lanjut", &lists::ACTIONS, Group::Ibm),
    ("/ibm/agen", &lists::AGENTS, Group::Ibm),
    ("/ibm/penilaian", &lists::STAGE_ASSESSMENTS, Group::Ibm),
    ("/sni/penilaian", &lists::SNI_ASSESSMENTS, Group::Sni),
    ("/sni/tindak-lanjut", &lists::SNI_ACTIONS, Group::Sni),
    ("/pengguna/daftar", &lists::USERS, Group::Users),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Ibm,
    Sni,
    Users,
}

/// The tabs above a list: the lists of its group (and, for IBM, the unit registry first).
pub(crate) fn tabs(group: Group) -> Vec<(&'static str, String)> {
    let mut tabs = Vec::new();
    tabs.push(match group {
        Group::Ibm => ("/ibm", "list-title-unit".to_string()),
        Group::Sni => ("/sni", "list-title-sni".to_string()),
        Group::Users => ("/pengguna", "list-title-users".to_string()),
    });
    for (path, def, g) in PLACES {
        if *g == group {
            tabs.push((*path, format!("list-title-{}", def.key)));
        }
    }
    tabs
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    page: Page,
    def: &'static ListDef,
    path: &'static str,
    tabs: Vec<(&'static str, String)>,
    rows: Vec<ListRow>,
    pager: Pager,
    asked: Vec<(String, String)>,
    provinces: Vec<wilayah::Area>,
    years: Vec<i64>,
}

impl ListPage {
    fn asked(&self, key: &str) -> &str {
        self.asked
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
    /// This list's address with `changes` applied (empty values dropped).
    fn href(&self, changes: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .asked
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for (k, v) in changes {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k, v));
        }
        let kept: Vec<(&str, Option<&str>)> = pairs.iter().map(|(k, v)| (*k, Some(*v))).collect();
        format!("{}?{}", self.path, query_string(&kept))
    }
    fn sort_key(&self) -> &str {
        match self.asked("sort") {
            "" => self.def.default_sort,
            s => s,
        }
    }
    fn descending(&self) -> bool {
        match self.asked("desc") {
            "1" => true,
            "0" => false,
            _ => self.asked("sort").is_empty() && self.def.default_descending,
        }
    }
    /// The header link sorting by `column`: ascending first, then the other way.
    fn sort_href(&self, column: &str) -> String {
        let desc = self.sort_key() == column && !self.descending();
        self.href(&[("sort", column), ("desc", if desc { "1" } else { "0" })])
    }
    fn sort_mark(&self, column: &str) -> &'static str {
        match (self.sort_key() == column, self.descending()) {
            (false, _) => "",
            (true, true) => " ▼",
            (true, false) => " ▲",
        }
    }
    fn cell(&self, row: &ListRow, i: &usize) -> String {
        show(&self.page, &self.def.columns[*i].show, row, *i)
    }
    /// The message `prefix` + this list's key (its title, help, search hint).
    fn about(&self, prefix: &str) -> String {
        self.page.t(&format!("{prefix}{}", self.def.key))
    }
    fn column_name(&self, key: &str) -> String {
        self.page.t(&format!("list-col-{key}"))
    }
    fn choices(&self, kind: &FilterKind) -> Vec<(String, String)> {
        match kind {
            FilterKind::Choice { values, prefix } => values
                .iter()
                .map(|v| (v.to_string(), self.page.tv_or_code(prefix, v)))
                .collect(),
            FilterKind::Year | FilterKind::YearOf => self
                .years
                .iter()
                .map(|y| (y.to_string(), y.to_string()))
                .collect(),
        }
    }
}

/// A value as the page shows it (and the download holds it).
fn show(page: &Page, how: &Show, row: &ListRow, i: usize) -> String {
    let value = &row.values[i];
    match how {
        Show::Text => value.clone(),
        Show::Label(prefix) => page.tv_or_code(prefix, value),
        Show::Date => page.date(value),
        Show::Period => page.period(value),
        Show::Named { .. } => match page.lang {
            crate::i18n::Lang::En if !row.english[i].is_empty() => row.english[i].clone(),
            _ => value.clone(),
        },
    }
}

pub async fn show_list(
    State(state): State<AppState>,
    user: CurrentUser,
    page: Page,
    Query(asked): Query<Vec<(String, String)>>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    user.office_wide()?;
    let (path, def, group) = PLACES
        .iter()
        .find(|(p, _, _)| *p == page.path)
        .ok_or(AppError::NotFound)?;
    // A list the reader may see no row of is closed to them (agents' names to partners, say),
    // rather than shown empty.
    let closed = match group {
        Group::Users => !user.principal().may_see_users(),
        _ => false,
    };
    if closed || user.principal().scope_roots(def.permission).is_empty() {
        return Err(AppError::Forbidden);
    }
    let keeping = match super::Keeping::begin(&state, &user, &page, &uri) {
        Ok(k) => k,
        Err(kept) => return Ok(kept),
    };
    let asked: Vec<(String, String)> = asked
        .into_iter()
        .filter(|(k, v)| !v.trim().is_empty() && k != "ok")
        .collect();
    let given = asked.clone();
    let get = |key: &str| given.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let number = |key: &'static str| -> Result<Option<i64>, AppError> {
        get(key)
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    RequestError::new(
                        StatusCode::BAD_REQUEST,
                        pantau_core::message::Message::new("error-query-invalid")
                            .with("field", key),
                    )
                    .field(key.to_string())
                    .into()
                })
            })
            .transpose()
    };
    let mut request = ListRequest {
        words: get("q"),
        office_id: number("office")?,
        province: get("province"),
        filters: asked
            .iter()
            .filter(|(k, _)| def.filter(k).is_some())
            .cloned()
            .collect(),
        sort: get("sort"),
        descending: get("desc").map(|d| d == "1"),
        limit: 1,
        offset: 0,
    };
    if let Some(format) = get("unduh") {
        request.limit = lists::MAX_ROWS;
        let (rows, _) = fetch(&state, &user, def, &request).await?;
        return super::exchange::download(&table(&page, def, &rows), &format, def.key);
    }
    let (_, total) = fetch(&state, &user, def, &request).await?;
    let this_year = chrono::Utc::now().year() as i64;
    let mut shown = ListPage {
        def,
        path,
        tabs: tabs(*group),
        rows: vec![],
        pager: Pager::new(None, 0, String::new()),
        asked,
        provinces: wilayah::children(&state.db, None, None, 100, 0).await?.0,
        years: (2021..=this_year + 1).rev().collect(),
        page,
    };
    shown.pager = Pager::new(number("page")?, total, shown.href(&[]));
    request.limit = PAGE_SIZE;
    request.offset = shown.pager.offset();
    shown.rows = fetch(&state, &user, def, &request).await?.0;
    keeping.render(&state, shown)
}

/// The rows of `def` for `request`; a filter value or sort column the list does not know is the
/// address's fault: 400, naming the parameter.
async fn fetch(
    state: &AppState,
    user: &CurrentUser,
    def: &'static ListDef,
    request: &ListRequest,
) -> Result<(Vec<ListRow>, i64), AppError> {
    lists::fetch(&state.db, user.principal(), def, request)
        .await
        .map_err(|e| match e {
            pantau_db::DbError::Invalid(message) => {
                let field = message.args.get("field").cloned().unwrap_or_default();
                RequestError::new(StatusCode::BAD_REQUEST, message)
                    .field(field)
                    .into()
            }
            other => other.into(),
        })
}

/// The rows as a table with the page's headers and values.
fn table(page: &Page, def: &ListDef, rows: &[ListRow]) -> Table {
    let headers: Vec<String> = def
        .columns
        .iter()
        .map(|c| page.t(&format!("list-col-{}", c.key)))
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&headers);
    for row in rows {
        t.rows.push(
            def.columns
                .iter()
                .enumerate()
                .map(|(i, c)| show(page, &c.show, row, i))
                .collect(),
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{I18n, Lang};

    #[test]
    fn every_list_names_its_columns_filters_and_values_in_both_languages() {
        let i18n = I18n::new();
        for (_, def, group) in PLACES {
            let mut ids: Vec<String> = ["list-title-", "list-help-", "list-search-"]
                .iter()
                .map(|p| format!("{p}{}", def.key))
                .collect();
            ids.extend(tabs(*group).into_iter().map(|(_, id)| id));
            for c in def.columns {
                ids.push(format!("list-col-{}", c.key));
                if let Show::Label(prefix) = c.show {
                    let filter = def.filters.iter().find(|f| f.sql == c.sql);
                    if let Some(FilterKind::Choice { values, .. }) = filter.map(|f| f.kind) {
                        ids.extend(values.iter().map(|v| format!("{prefix}{v}")));
                    }
                }
            }
            for f in def.filters {
                ids.push(format!("list-col-{}", f.key));
                ids.push(format!("field-{}", f.key.replace('_', "-")));
                if let FilterKind::Choice { values, prefix } = f.kind {
                    ids.extend(values.iter().map(|v| format!("{prefix}{v}")));
                }
            }
            for id in ids {
                for lang in [Lang::Id, Lang::En] {
                    assert!(
                        i18n.has(lang, &id),
                        "{}: {id} missing in {}",
                        def.key,
                        lang.code()
                    );
                }
            }
        }
    }
}
