//! Evaluation-meeting packs: for one office (or the nation) and year, the target-versus-
//! achievement table, a league table, the biggest movers since last year, red flags (silent
//! units, overdue coaching actions, expiring certificates) and the obstacles/drivers summary.

use crate::Db;
use crate::dashboard::{self, IbmDashboard};
use crate::error::DbResult;
use crate::ibm::{evaluations, targets};
use crate::sni::outcomes;
use chrono::{Datelike, NaiveDate};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::TargetRow;
use pantau_core::org::OfficePath;
use pantau_core::sni::Expiry;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Mover {
    pub label: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub change: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueAction {
    pub institution: String,
    pub description: String,
    pub owner: String,
    pub due_date: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpiringCertificate {
    pub institution: String,
    pub certificate_number: String,
    pub valid_until: String,
    pub days_left: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pack {
    pub dashboard: IbmDashboard,
    pub league: Vec<TargetRow>,
    pub movers: Vec<Mover>,
    /// The finished year the movers end in (they start the year before).
    pub movers_to: i64,
    pub overdue_actions: Vec<OverdueAction>,
    pub expiring: Vec<ExpiringCertificate>,
    /// SNI coaching targets of the year under the office against what was done.
    pub sni_targets: Vec<crate::summary::TargetProgress>,
    /// (list, name_id, name_en, count)
    pub factors: Vec<(String, String, String, i64)>,
}

pub async fn build(
    db: &Db,
    who: &Principal,
    office_id: Option<i64>,
    year: i64,
    today: NaiveDate,
) -> DbResult<Pack> {
    let dashboard = dashboard::ibm(db, who, office_id, year, today).await?;
    let mut league: Vec<TargetRow> = dashboard
        .rows
        .iter()
        .map(|r| r.targets.clone())
        .filter(|r| r.assessed > 0)
        .collect();
    league.sort_by(|a, b| {
        b.on_target_pct()
            .partial_cmp(&a.on_target_pct())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.label.cmp(&b.label))
    });
    // Year-on-year changes compare finished years: the year asked for when it is over, else
    // the last finished one with the year before it (a year under way would show every office
    // falling).
    let movers_to = if year >= today.year() as i64 {
        year - 1
    } else {
        year
    };
    let (latest, _) = targets::table(db, who, office_id, movers_to).await?;
    let (previous, _) = targets::table(db, who, office_id, movers_to - 1).await?;
    let mut movers: Vec<Mover> = latest
        .iter()
        .filter_map(|r| {
            let after = r.on_target_pct()?;
            let before = previous
                .iter()
                .find(|p| p.key == r.key)
                .and_then(|p| p.on_target_pct())?;
            Some(Mover {
                label: r.label.clone(),
                before: Some(before),
                after: Some(after),
                change: ((after - before) * 10.0).round() / 10.0,
            })
        })
        .collect();
    movers.sort_by(|a, b| {
        b.change
            .abs()
            .partial_cmp(&a.change.abs())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    movers.truncate(10);

    let root = match office_id {
        Some(id) => Some(crate::offices::get(db, who, id).await?.office_path()),
        None => None,
    };
    let under_root = |path: &str| {
        root.as_ref()
            .is_none_or(|r| OfficePath::parse(path).is_some_and(|p| p.is_within(r)))
    };
    let mut overdue_actions = Vec::new();
    let mut sql = crate::sql::Sql::new(
        "SELECT i.name, a.description, a.owner, a.due_date, o.path FROM sni_actions a \
         JOIN sni_participants p ON p.id = a.participant_id JOIN institutions i ON i.id = p.institution_id \
         JOIN offices o ON o.id = i.office_id WHERE a.status = ",
    );
    sql.bind(pantau_core::ibm::ActionStatus::Open.as_str().to_string());
    sql.push(" AND a.due_date < ")
        .bind(today.to_string())
        .push(" AND ");
    if sql.scope(who, Permission::ReadData, "o.path") {
        sql.push(" ORDER BY a.due_date");
        for r in sql.query().fetch_all(db.pool()).await? {
            if under_root(&r.get::<String, _>("path")) {
                overdue_actions.push(OverdueAction {
                    institution: r.get("name"),
                    description: r.get("description"),
                    owner: r.get("owner"),
                    due_date: r.get("due_date"),
                });
            }
        }
    }
    let warn = outcomes::warning_days(db).await?;
    let expiring = outcomes::expiring(db, who, today, warn)
        .await?
        .into_iter()
        .filter(|(i, _, _)| under_root(&i.office_path))
        .map(|(i, c, e)| ExpiringCertificate {
            institution: i.name,
            certificate_number: c.certificate_number,
            valid_until: c.valid_until.unwrap_or_default(),
            days_left: match e {
                Expiry::ExpiringSoon { days_left } => Some(days_left),
                _ => None,
            },
        })
        .collect();
    let factors = evaluations::factor_summary(db, who, year, root.as_ref()).await?;
    let sni_targets = crate::summary::target_progress_by_child(db, who, year, office_id).await?;
    Ok(Pack {
        sni_targets,
        dashboard,
        league,
        movers,
        movers_to,
        overdue_actions,
        expiring,
        factors,
    })
}
