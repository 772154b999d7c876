//! The programme's figures as BNN reports them, for one year and cumulatively, for the nation or
//! an office's subtree.
//!
//! IBM: units operating in the year (confirmed unit-years) by category; "new" units are those in
//! the two Baru categories; assessed and on target from the year's final assessments; units
//! assisted so far counted two ways — distinct units with a category in any year up to the year,
//! and unit-years summed — each saying from which year it counts.
//!
//! SNI: an institution is coached in a year when it takes part in a cohort of that year or a
//! past year's record says so (imported history). It is recommended or certified in that year
//! when that participation ended so; it is *standardised* once, in the first year it was
//! recommended or certified by either route (or received a certificate outside a cohort).
//! Targets are the offices' own for the year and track.

use crate::error::DbResult;
use crate::sql::Sql;
use crate::{Db, offices};
use pantau_core::access::{Permission, Principal};
use pantau_core::ibm::Category;
use pantau_core::org::OfficePath;
use pantau_core::sni::{CertStatus, CohortKind};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What an imported past year ended with.
pub const HISTORY_RESULTS: &[&str] = &["direkomendasikan", "tersertifikasi", "belum"];

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default, schemars::JsonSchema)]
pub struct Summary {
    pub year: i64,
    /// The office whose subtree is counted; none for everything the reader may see.
    pub office_id: Option<i64>,
    pub ibm: IbmFigures,
    pub sni: SniFigures,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default, schemars::JsonSchema)]
pub struct IbmFigures {
    /// Units with a (confirmed) category in the year.
    pub units: i64,
    /// Per category code; every category is present.
    pub by_category: BTreeMap<String, i64>,
    /// Units in the Baru and Baru Mandiri categories.
    pub new_units: i64,
    /// Units whose final assessment of the year reached their target stage.
    pub on_target: i64,
    /// Units with a final assessment in the year.
    pub assessed: i64,
    /// Distinct units with a category in any year from `assisted_since` to the year.
    pub assisted_distinct: i64,
    /// Units per year summed from `assisted_since` to the year.
    pub assisted_unit_years: i64,
    /// The first year with any unit; none when there is none.
    pub assisted_since: Option<i64>,
    /// Units per year up to the year, for the chart.
    pub units_by_year: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default, schemars::JsonSchema)]
pub struct SniFigures {
    /// Institutions coached in the year (cohorts and imported history).
    pub coached: i64,
    /// Per track (`prioritas_nasional`, `reguler`); both present.
    pub by_tier: BTreeMap<String, i64>,
    /// The offices' targets for the year per track; both present.
    pub targets: BTreeMap<String, i64>,
    /// Coached in the year and recommended by BNN (or certified) at its end.
    pub recommended: i64,
    /// Coached in the year and certified by a conformity body.
    pub certified: i64,
    /// Institutions standardised from `standardised_since` to the year, each once.
    pub standardised_cumulative: i64,
    pub standardised_since: Option<i64>,
    /// Institutions standardised for the first time, per year up to the year.
    pub standardised_by_year: BTreeMap<String, i64>,
    /// Institutions coached per year up to the year, for the chart.
    pub coached_by_year: BTreeMap<String, i64>,
}

/// The figures for `year`, in the principal's scope, within `office_id`'s subtree if given.
pub async fn summary(
    db: &Db,
    who: &Principal,
    year: i64,
    office_id: Option<i64>,
) -> DbResult<Summary> {
    let root = match office_id {
        Some(id) => Some(offices::get(db, who, id).await?.office_path()),
        None => None,
    };
    // Every statement counts offices in scope (and under the chosen office) only.
    let scoped = |sql: &mut Sql| -> bool { and_within(sql, who, root.as_ref()) };
    let mut s = Summary {
        year,
        office_id,
        ..Default::default()
    };
    for c in Category::ALL {
        s.ibm.by_category.insert(c.as_str().to_string(), 0);
    }
    for k in CohortKind::ALL {
        s.sni.by_tier.insert(k.as_str().to_string(), 0);
        s.sni.targets.insert(k.as_str().to_string(), 0);
    }

    // IBM: unit-years per year and category.
    let mut sql = Sql::new(
        "SELECT y.year, y.category, CAST(COUNT(*) AS BIGINT) AS n FROM ibm_unit_years y \
         JOIN ibm_units u ON u.id = y.unit_id JOIN offices o ON o.id = u.office_id \
         WHERE y.confirmed = ",
    );
    sql.bind(true).push(" AND y.year <= ").bind(year);
    if !scoped(&mut sql) {
        return Ok(s);
    }
    sql.push(" GROUP BY y.year, y.category");
    for r in sql.query().fetch_all(db.pool()).await? {
        let (y, category, n): (i64, String, i64) = (r.get("year"), r.get("category"), r.get("n"));
        s.ibm.assisted_unit_years += n;
        *s.ibm.units_by_year.entry(y.to_string()).or_default() += n;
        s.ibm.assisted_since = Some(s.ibm.assisted_since.map_or(y, |f: i64| f.min(y)));
        if y == year {
            s.ibm.units += n;
            *s.ibm.by_category.entry(category.clone()).or_default() += n;
            if matches!(
                Category::parse(&category),
                Some(Category::Baru | Category::BaruMandiri)
            ) {
                s.ibm.new_units += n;
            }
        }
    }
    let mut sql = Sql::new(
        "SELECT CAST(COUNT(DISTINCT y.unit_id) AS BIGINT) AS n FROM ibm_unit_years y \
         JOIN ibm_units u ON u.id = y.unit_id JOIN offices o ON o.id = u.office_id \
         WHERE y.confirmed = ",
    );
    sql.bind(true).push(" AND y.year <= ").bind(year);
    scoped(&mut sql);
    s.ibm.assisted_distinct = sql.query_scalar::<i64>().fetch_one(db.pool()).await?;
    // Assessed and on target: the roll-ups kept with every write (equal to a recount).
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(r.assessed), 0) AS BIGINT) AS assessed, \
         CAST(COALESCE(SUM(r.on_target), 0) AS BIGINT) AS on_target \
         FROM ibm_rollup_targets r JOIN offices o ON o.id = r.office_id WHERE r.year = ",
    );
    sql.bind(year);
    scoped(&mut sql);
    let r = sql.query().fetch_one(db.pool()).await?;
    s.ibm.assessed = r.get("assessed");
    s.ibm.on_target = r.get("on_target");

    let took = participations(db, who, root.as_ref(), year).await?;
    // Certificates received outside any cohort still standardise, in the year issued.
    let mut first: HashMap<i64, i64> = HashMap::new();
    let mut sql = Sql::new(
        "SELECT x.institution_id, x.issued_on FROM sni_certifications x \
         JOIN institutions i ON i.id = x.institution_id JOIN offices o ON o.id = i.office_id \
         WHERE x.issued_on IS NOT NULL AND x.status = ",
    );
    sql.bind(CertStatus::Certified.as_str().to_string());
    scoped(&mut sql);
    for r in sql.query().fetch_all(db.pool()).await? {
        let issued: String = r.get("issued_on");
        if let Some(y) = issued.get(..4).and_then(|y| y.parse::<i64>().ok())
            && y <= year
        {
            let e = first.entry(r.get("institution_id")).or_insert(y);
            *e = (*e).min(y);
        }
    }
    let mut coached: HashSet<i64> = HashSet::new();
    let mut by_tier: HashMap<&str, HashSet<i64>> = HashMap::new();
    let mut recommended: HashSet<i64> = HashSet::new();
    let mut certified: HashSet<i64> = HashSet::new();
    let mut coached_by_year: BTreeMap<i64, HashSet<i64>> = BTreeMap::new();
    for t in &took {
        coached_by_year
            .entry(t.year)
            .or_default()
            .insert(t.institution);
        if t.recommended || t.certified {
            let e = first.entry(t.institution).or_insert(t.year);
            *e = (*e).min(t.year);
        }
        if t.year != year {
            continue;
        }
        coached.insert(t.institution);
        by_tier.entry(&t.kind).or_default().insert(t.institution);
        if t.recommended || t.certified {
            recommended.insert(t.institution);
        }
        if t.certified {
            certified.insert(t.institution);
        }
    }
    s.sni.coached = coached.len() as i64;
    for (kind, set) in by_tier {
        s.sni.by_tier.insert(kind.to_string(), set.len() as i64);
    }
    s.sni.recommended = recommended.len() as i64;
    s.sni.certified = certified.len() as i64;
    s.sni.coached_by_year = coached_by_year
        .into_iter()
        .map(|(y, set)| (y.to_string(), set.len() as i64))
        .collect();
    for y in first.values() {
        *s.sni.standardised_by_year.entry(y.to_string()).or_default() += 1;
    }
    s.sni.standardised_cumulative = first.len() as i64;
    s.sni.standardised_since = first.values().min().copied();
    let mut sql = Sql::new(
        "SELECT t.kind, CAST(SUM(t.target) AS BIGINT) AS n FROM sni_targets t \
         JOIN offices o ON o.id = t.office_id WHERE t.year = ",
    );
    sql.bind(year);
    scoped(&mut sql);
    sql.push(" GROUP BY t.kind");
    for r in sql.query().fetch_all(db.pool()).await? {
        s.sni.targets.insert(r.get("kind"), r.get("n"));
    }
    Ok(s)
}

/// Adds "offices `o` in the principal's scope, under `root` if given"; false when the
/// principal may read nothing.
fn and_within(sql: &mut Sql, who: &Principal, root: Option<&OfficePath>) -> bool {
    sql.push(" AND ");
    match root {
        Some(root) => sql.within(root, who, Permission::ReadData, "o.path"),
        None => sql.scope(who, Permission::ReadData, "o.path"),
    }
}

/// One institution's coaching in one year, from a cohort or the imported history.
struct Took {
    institution: i64,
    /// The institution's office.
    path: String,
    year: i64,
    kind: String,
    recommended: bool,
    certified: bool,
}

/// Every participation up to `year` in the principal's scope (under `root` if given), with
/// whether it ended recommended or certified.
async fn participations(
    db: &Db,
    who: &Principal,
    root: Option<&OfficePath>,
    year: i64,
) -> DbResult<Vec<Took>> {
    let scoped = |sql: &mut Sql| -> bool { and_within(sql, who, root) };
    let mut took = Vec::new();
    let mut sql = Sql::new(
        "SELECT p.institution_id, o.path, c.year, c.kind, \
         CASE WHEN EXISTS (SELECT 1 FROM sni_recommendations r WHERE r.participant_id = p.id) \
         THEN 1 ELSE 0 END AS recommended, \
         CASE WHEN EXISTS (SELECT 1 FROM sni_certifications x WHERE x.institution_id = p.institution_id \
         AND x.status = ",
    );
    sql.bind(CertStatus::Certified.as_str().to_string())
        .push(
            ") THEN 1 ELSE 0 END AS certified \
             FROM sni_participants p JOIN sni_cohorts c ON c.id = p.cohort_id \
             JOIN institutions i ON i.id = p.institution_id JOIN offices o ON o.id = i.office_id \
             WHERE c.year <= ",
        )
        .bind(year);
    if !scoped(&mut sql) {
        return Ok(took);
    }
    for r in sql.query().fetch_all(db.pool()).await? {
        took.push(Took {
            institution: r.get("institution_id"),
            path: r.get("path"),
            year: r.get::<i64, _>("year"),
            kind: r.get("kind"),
            recommended: r.get::<i64, _>("recommended") == 1,
            certified: r.get::<i64, _>("certified") == 1,
        });
    }
    let mut sql = Sql::new(
        "SELECT h.institution_id, o.path, h.year, h.kind, h.result FROM sni_history h \
         JOIN institutions i ON i.id = h.institution_id JOIN offices o ON o.id = i.office_id \
         WHERE h.year <= ",
    );
    sql.bind(year);
    scoped(&mut sql);
    for r in sql.query().fetch_all(db.pool()).await? {
        let result: String = r.get("result");
        took.push(Took {
            institution: r.get("institution_id"),
            path: r.get("path"),
            year: r.get::<i64, _>("year"),
            kind: r.get("kind"),
            recommended: result != "belum",
            certified: result == "tersertifikasi",
        });
    }
    Ok(took)
}

/// One office's coaching target for a year and track against what was done.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct TargetProgress {
    /// None for the institutions that fall under no target.
    pub office_id: Option<i64>,
    pub office_code: String,
    pub office_name: String,
    /// Where the office sits, for rolling rows up; empty for the row under no target.
    #[serde(skip)]
    #[schemars(skip)]
    pub office_path: String,
    /// `prioritas_nasional` or `reguler`.
    pub kind: String,
    pub target: i64,
    pub coached: i64,
    pub recommended: i64,
    pub certified: i64,
}

/// Targets of `year` against the institutions coached, recommended and certified, per office
/// and track, in the principal's scope (under `office_id` if given). Each institution counts
/// towards the nearest office on its path — its own first, then upwards — holding a target for
/// the year and its track, so no institution is counted twice and the rows add up; those under
/// no target form a row of their own (no office) per track.
pub async fn target_progress(
    db: &Db,
    who: &Principal,
    year: i64,
    office_id: Option<i64>,
) -> DbResult<Vec<TargetProgress>> {
    let root = match office_id {
        Some(id) => Some(offices::get(db, who, id).await?.office_path()),
        None => None,
    };
    let mut sql = Sql::new(
        "SELECT t.office_id, o.code, o.name, o.path, t.kind, CAST(t.target AS BIGINT) AS target \
         FROM sni_targets t JOIN offices o ON o.id = t.office_id WHERE t.year = ",
    );
    sql.bind(year);
    if !and_within(&mut sql, who, root.as_ref()) {
        return Ok(Vec::new());
    }
    sql.push(" ORDER BY o.path, t.kind");
    let mut rows = Vec::new();
    // (office id, kind) → index in rows
    let mut index: HashMap<(i64, String), usize> = HashMap::new();
    for r in sql.query().fetch_all(db.pool()).await? {
        index.insert((r.get("office_id"), r.get("kind")), rows.len());
        rows.push(TargetProgress {
            office_id: Some(r.get("office_id")),
            office_code: r.get("code"),
            office_name: r.get("name"),
            office_path: r.get("path"),
            kind: r.get("kind"),
            target: r.get("target"),
            coached: 0,
            recommended: 0,
            certified: 0,
        });
    }
    let mut counted: HashSet<(i64, String)> = HashSet::new();
    let mut unassigned: BTreeMap<String, usize> = BTreeMap::new();
    for t in participations(db, who, root.as_ref(), year)
        .await?
        .into_iter()
        .filter(|t| t.year == year)
    {
        if !counted.insert((t.institution, t.kind.clone())) {
            continue;
        }
        let holder = OfficePath::parse(&t.path).and_then(|path| {
            path.ids()
                .into_iter()
                .rev()
                .find_map(|id| index.get(&(id, t.kind.clone())).copied())
        });
        let i = match holder {
            Some(i) => i,
            None => *unassigned.entry(t.kind.clone()).or_insert_with(|| {
                rows.push(TargetProgress {
                    office_id: None,
                    office_code: String::new(),
                    office_name: String::new(),
                    office_path: String::new(),
                    kind: t.kind.clone(),
                    target: 0,
                    coached: 0,
                    recommended: 0,
                    certified: 0,
                });
                rows.len() - 1
            }),
        };
        let row = &mut rows[i];
        row.coached += 1;
        row.recommended += (t.recommended || t.certified) as i64;
        row.certified += t.certified as i64;
    }
    Ok(rows)
}

/// [`target_progress`] as pages show it: the office's own rows, then the rows below it summed
/// per office directly under it (the provinces, for the nation), so a national reader sees 35
/// rows rather than every district; picking an office shows its own breakdown.
pub async fn target_progress_by_child(
    db: &Db,
    who: &Principal,
    year: i64,
    office_id: Option<i64>,
) -> DbResult<Vec<TargetProgress>> {
    let rows = target_progress(db, who, year, office_id).await?;
    let dir = offices::directory(db).await?;
    let base = match office_id {
        Some(id) => dir.iter().find(|o| o.id == id),
        None => dir.iter().find(|o| o.level == "pusat"),
    };
    let Some(base) = base.and_then(|o| OfficePath::parse(&o.path)) else {
        return Ok(rows);
    };
    let depth = base.ids().len();
    let mut out: Vec<TargetProgress> = Vec::new();
    let mut under: BTreeMap<(String, String), TargetProgress> = BTreeMap::new();
    let mut outside = Vec::new();
    for r in rows {
        let child = OfficePath::parse(&r.office_path)
            .filter(|p| p.is_within(&base))
            .and_then(|p| p.ids().get(depth).copied())
            .and_then(|id| dir.iter().find(|o| o.id == id));
        match child {
            Some(c) => {
                let e = under
                    .entry((c.path.clone(), r.kind.clone()))
                    .or_insert_with(|| TargetProgress {
                        office_id: Some(c.id),
                        office_code: c.code.clone(),
                        office_name: c.name.clone(),
                        office_path: c.path.clone(),
                        kind: r.kind.clone(),
                        target: 0,
                        coached: 0,
                        recommended: 0,
                        certified: 0,
                    });
                e.target += r.target;
                e.coached += r.coached;
                e.recommended += r.recommended;
                e.certified += r.certified;
            }
            // The office's own rows first; the row under no target last.
            None if r.office_id.is_some() => out.push(r),
            None => outside.push(r),
        }
    }
    out.extend(under.into_values());
    out.extend(outside);
    Ok(out)
}

/// How many institutions an office is to coach in `year` on track `kind` (national admins).
/// Setting the same number again changes nothing.
pub async fn set_target(
    db: &Db,
    actor: crate::Actor<'_>,
    office_id: i64,
    year: i64,
    kind: &str,
    target: i64,
) -> DbResult<()> {
    let mut tx = db.begin().await?;
    if set_target_in(&mut tx, actor, office_id, year, kind, target)
        .await?
        .is_some()
    {
        tx.commit().await?;
    }
    Ok(())
}

/// [`set_target`] inside the caller's transaction: whether the target was created
/// (`Some(true)`), changed (`Some(false)`) or already so (`None`).
pub(crate) async fn set_target_in(
    tx: &mut sqlx::AnyConnection,
    actor: crate::Actor<'_>,
    office_id: i64,
    year: i64,
    kind: &str,
    target: i64,
) -> DbResult<Option<bool>> {
    actor.authorize_national(Permission::ManageReference)?;
    check_target(year, kind, target)?;
    let office = offices::load(&mut *tx, office_id).await?;
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(target AS BIGINT) FROM sni_targets WHERE office_id = $1 AND year = $2 AND kind = $3",
    )
    .bind(office_id)
    .bind(year)
    .bind(kind)
    .fetch_optional(&mut *tx)
    .await?;
    if before == Some(target) {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO sni_targets (office_id, year, kind, target, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (year, office_id, kind) DO UPDATE SET target = excluded.target, updated_at = excluded.updated_at",
    )
    .bind(office_id)
    .bind(year)
    .bind(kind)
    .bind(target)
    .bind(crate::now_rfc3339())
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut *tx,
        actor,
        crate::audit::Change {
            action: if before.is_some() { "update" } else { "create" },
            entity: "target_sni",
            entity_id: format!("{}/{year}/{kind}", office.code),
            office_path: Some(&office.office_path()),
            before: before.map(|n| serde_json::json!({ "target": n })),
            after: Some(serde_json::json!({ "target": target })),
        },
    )
    .await?;
    Ok(Some(before.is_none()))
}

/// The most institutions one office may be set to coach in a year.
pub const MAX_TARGET: i64 = 100_000;

/// A target's year, track and number as [`set_target`] accepts them.
pub fn check_target(year: i64, kind: &str, target: i64) -> DbResult<()> {
    crate::ibm::check_year(year)?;
    if CohortKind::parse(kind).is_none() {
        return Err(crate::DbError::unknown_value(
            "kind",
            kind,
            CohortKind::ALL.iter().map(|k| k.as_str()),
        ));
    }
    if !(0..=MAX_TARGET).contains(&target) {
        return Err(crate::DbError::Invalid(
            pantau_core::message::Message::new("err-target-count")
                .with("field", "target")
                .with("max", MAX_TARGET),
        ));
    }
    Ok(())
}
