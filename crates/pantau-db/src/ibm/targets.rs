//! Target-versus-achievement tables for any office (or the nation) and year: one row per child
//! office — or per unit at the lowest level — with counts by category, units with a target,
//! units with a final assessment, and units on target (achieved stage ≥ target stage).

use crate::error::DbResult;
use crate::{Db, offices};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::{AssessmentStatus, Category, TargetRow, on_target};
use pantau_core::org::OfficePath;
use sqlx::Row;
use std::collections::BTreeMap;

/// Rows and their total. `office_id = None` means the nation (rows per BNNP).
pub async fn table(
    db: &Db,
    who: &Principal,
    office_id: Option<i64>,
    year: i64,
) -> DbResult<(Vec<TargetRow>, TargetRow)> {
    let root = offices::report_root(db, who, office_id).await?;
    let mut sql = crate::sql::Sql::new(
        "SELECT u.id, u.code, u.name, o.path, y.category, ts.ordinal AS target_ordinal, \
         a.status AS assessment_status, a.achieved_ordinal FROM ibm_unit_years y \
         JOIN ibm_units u ON u.id = y.unit_id JOIN offices o ON o.id = u.office_id \
         LEFT JOIN ibm_stages ts ON ts.id = y.target_stage_id \
         LEFT JOIN ibm_assessments a ON a.unit_id = u.id AND a.year = y.year \
         WHERE y.year = ",
    );
    sql.bind(year).push(" AND y.confirmed = ").bind(true);
    sql.push(" AND ");
    if !sql.within(&root, who, Permission::ReadData, "o.path") {
        return Ok((vec![], TargetRow::default()));
    }
    sql.push(" ORDER BY u.code");
    let rows = sql.query().fetch_all(db.pool()).await?;
    let names: BTreeMap<i64, String> = offices::directory(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let depth = root.depth();
    let mut groups: BTreeMap<String, TargetRow> = BTreeMap::new();
    let mut total = TargetRow {
        key: root.to_string(),
        label: String::new(),
        ..Default::default()
    };
    for r in &rows {
        let path = OfficePath::parse(&r.get::<String, _>("path")).unwrap_or_else(|| root.clone());
        let ids = path.ids();
        // The child office on the way down, or the unit itself when it hangs on the root.
        let (key, label) = match ids.get(depth) {
            Some(child) => (
                format!("satker:{child}"),
                names.get(child).cloned().unwrap_or_default(),
            ),
            None => (
                format!("unit:{}", r.get::<i64, _>("id")),
                format!(
                    "{} — {}",
                    r.get::<String, _>("code"),
                    r.get::<String, _>("name")
                ),
            ),
        };
        let mut one = TargetRow {
            key: key.clone(),
            label,
            units: 1,
            ..Default::default()
        };
        match Category::parse(&r.get::<String, _>("category")) {
            Some(Category::Berkelanjutan) => one.berkelanjutan = 1,
            Some(Category::BerkelanjutanMandiri) => one.berkelanjutan_mandiri = 1,
            Some(Category::Baru) => one.baru = 1,
            Some(Category::BaruMandiri) => one.baru_mandiri = 1,
            None => {}
        }
        let target: Option<i64> = r.get("target_ordinal");
        let is_final = r.get::<Option<String>, _>("assessment_status").as_deref()
            == Some(AssessmentStatus::Final.as_str());
        let achieved: Option<i64> = if is_final {
            r.get("achieved_ordinal")
        } else {
            None
        };
        one.with_target = target.is_some() as i64;
        one.assessed = is_final as i64;
        one.on_target = (on_target(achieved, target) == Some(true)) as i64;
        total.add(&one);
        let entry = groups.entry(key.clone()).or_insert_with(|| TargetRow {
            key,
            label: one.label.clone(),
            ..Default::default()
        });
        entry.add(&one);
    }
    let mut out: Vec<TargetRow> = groups.into_values().collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok((out, total))
}
