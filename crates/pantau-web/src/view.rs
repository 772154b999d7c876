//! What pages and the API show from the same computation: the dashboard figures (cached per
//! reader, office, year and day) and the audit trail's filter. Both the page handlers (`ui`) and
//! the JSON handlers (`api`) read them from here; neither imports the other.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use pantau_db::audit::AuditFilter;
use pantau_db::dashboard::{self, IbmDashboard};
use pantau_db::offices;
use serde::Deserialize;
use serde_json::json;

/// What a dashboard page shows, computed once per reader, office, year and day and kept in
/// [`crate::cache::FiguresCache`] until the next write.
#[derive(Clone)]
pub struct Figures {
    pub(crate) d: IbmDashboard,
    pub(crate) sni: dashboard::SniSummary,
    /// SNI coaching targets under the office against what was done.
    pub(crate) sni_targets: Vec<pantau_db::summary::TargetProgress>,
    /// Only at the national level: on-target share per province.
    pub(crate) map_chart: Option<String>,
}

pub(crate) async fn figures(
    state: &AppState,
    user: &CurrentUser,
    office: Option<i64>,
    year: i64,
    today: chrono::NaiveDate,
) -> Result<std::sync::Arc<Figures>, AppError> {
    let key = crate::cache::FiguresCache::<Figures>::key(
        user.principal(),
        &format!("{office:?}|{year}|{today}"),
    );
    if let Some(hit) = state.dashboards.get(&key) {
        return Ok(hit);
    }
    // One computation at a time: when many readers miss together (after a write), the first
    // computes and the rest take its result instead of all queueing for connections.
    let _computing = state.dashboards.compute_gate().await;
    if let Some(hit) = state.dashboards.get(&key) {
        return Ok(hit);
    }
    let generation = state.dashboards.generation();
    let d = dashboard::ibm(&state.db, user.principal(), office, year, today).await?;
    let map_chart = match office {
        Some(_) => None,
        None => Some(province_map(state, &d).await?),
    };
    let sni = dashboard::sni(&state.db, user.principal(), year, &today.to_string()).await?;
    let sni_targets =
        pantau_db::summary::target_progress_by_child(&state.db, user.principal(), year, office)
            .await?;
    let figures = std::sync::Arc::new(Figures {
        d,
        sni,
        sni_targets,
        map_chart,
    });
    state.dashboards.put(key, generation, figures.clone());
    Ok(figures)
}

/// The on-target share of each BNNP, painted on the provinces it covers. Provinces missing from
/// the map's source are drawn with their parent; the parent shape keeps its own BNNP's value and
/// its label names every code it stands for.
async fn province_map(state: &AppState, d: &IbmDashboard) -> Result<String, AppError> {
    let mut data = Vec::new();
    for r in &d.rows {
        let Some(id) = r
            .targets
            .key
            .strip_prefix("satker:")
            .and_then(|s| s.parse::<i64>().ok())
        else {
            continue;
        };
        for (code, _) in offices::areas(&state.db, id).await? {
            data.push(json!({
                "name": code,
                "value": r.targets.on_target_pct(),
                "label": format!("{} ({code})", r.targets.label),
                // A click on the province opens its dashboard.
                "href": format!("/dasbor?year={}&office={id}", d.year),
            }));
        }
    }
    Ok(json!({ "kind": "map", "data": data }).to_string())
}

/// The audit trail's filter as both the page and the API take it from the query string.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub username: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<i64>,
}

impl AuditQuery {
    /// The storage filter for a page of `limit` entries (the first page; callers set the offset).
    pub fn filter(&self, limit: i64) -> AuditFilter {
        AuditFilter {
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            username: self.username.clone(),
            action: self.action.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            limit,
            offset: 0,
        }
    }
}
