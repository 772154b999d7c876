//! The working lists beside the unit registry — reports, visits, follow-up actions, agents,
//! stage assessments, SNI assessments and SNI follow-up actions — each declared once as a
//! [`ListDef`]: what it reads, whom it shows to, which words it searches, which filters and
//! sortable columns it has. One function ([`fetch`]) answers every list the same way: scoped to
//! the reader, searched, filtered, sorted, paged, with the total — and the download is the same
//! call without the page bound, so the file holds exactly the rows of the list.

use crate::sql::Sql;
use crate::{Db, DbError, DbResult, offices};
use pantau_core::access::{Permission, Principal};
use sqlx::Row;

/// How a column's stored value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// As it is (names, numbers, free text).
    Text,
    /// A code with a message `prefix` + code in each language (statuses, modes, kinds).
    Label(&'static str),
    /// A calendar date (`2026-11-30`), shown day first.
    Date,
    /// A report period (`2026-03`), shown as month and year.
    Period,
    /// A name stored in both languages: `sql` holds the Indonesian name, `english` the English.
    Named { english: &'static str },
}

/// One column: its key (`list-col-<key>` names it), the SQL giving its value, how it is shown,
/// and whether the list can be sorted by it.
#[derive(Debug)]
pub struct Column {
    pub key: &'static str,
    pub sql: &'static str,
    pub show: Show,
    pub sortable: bool,
}

const fn col(key: &'static str, sql: &'static str, show: Show) -> Column {
    Column {
        key,
        sql,
        show,
        sortable: true,
    }
}

/// A filter on one of `values`, each named by the message `prefix` + value.
const fn choice(
    key: &'static str,
    sql: &'static str,
    values: &'static [&'static str],
    prefix: &'static str,
) -> Filter {
    Filter {
        key,
        sql,
        kind: FilterKind::Choice { values, prefix },
    }
}

/// The year filter on a date or period column.
const fn year_of(sql: &'static str) -> Filter {
    Filter {
        key: "year",
        sql,
        kind: FilterKind::YearOf,
    }
}

/// The year filter on a year column.
const fn year(sql: &'static str) -> Filter {
    Filter {
        key: "year",
        sql,
        kind: FilterKind::Year,
    }
}

/// A filter a reader can set (`?key=value`), besides the search words, the office and the
/// province that every list has.
#[derive(Debug)]
pub struct Filter {
    pub key: &'static str,
    pub sql: &'static str,
    pub kind: FilterKind,
}

#[derive(Debug, Clone, Copy)]
pub enum FilterKind {
    /// One of these codes, named by the message `prefix` + code.
    Choice {
        values: &'static [&'static str],
        prefix: &'static str,
    },
    /// A year: `sql` is a date or period whose text starts with it.
    YearOf,
    /// A year: `sql` is the year as a number.
    Year,
}

/// A list: the rows it reads (`from`, joined so that `o.path` is the path of the office the row
/// belongs to), the permission a reader needs over that office, the columns searched by words,
/// its columns, its filters, the link each row opens, and its default order.
#[derive(Debug)]
pub struct ListDef {
    pub key: &'static str,
    pub from: &'static str,
    pub permission: Permission,
    pub search: &'static [&'static str],
    /// The column holding the village or district code (for the province filter and the
    /// search by area names), where rows lie in an area.
    pub area: Option<&'static str>,
    pub columns: &'static [Column],
    pub filters: &'static [Filter],
    /// SQL giving the address a row opens.
    pub link: &'static str,
    /// The column sorted by when none is asked for, and whether newest first.
    pub default_sort: &'static str,
    pub default_descending: bool,
    /// Appended to every order so that pages never overlap.
    pub tiebreak: &'static str,
}

impl ListDef {
    pub fn column(&self, key: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.key == key)
    }
    pub fn filter(&self, key: &str) -> Option<&Filter> {
        self.filters.iter().find(|f| f.key == key)
    }
}

/// The joins every IBM list shares: the row's unit `u` and its office `o`.
macro_rules! unit_joins {
    () => {
        " JOIN ibm_units u ON u.id = x.unit_id JOIN offices o ON o.id = u.office_id"
    };
}

/// The joins every SNI list shares: participant `p`, cohort `c`, institution `i`, and the
/// institution's coaching office `o`.
macro_rules! sni_joins {
    () => {
        " JOIN sni_participants p ON p.id = x.participant_id \
         JOIN sni_cohorts c ON c.id = p.cohort_id JOIN institutions i ON i.id = p.institution_id \
         JOIN offices o ON o.id = i.office_id"
    };
}
const YES_NO: &[&str] = &["ya", "tidak"];
const ACTION_STATUSES: &[&str] = &["terbuka", "selesai", "dibatalkan"];
/// Flags shown and filtered as `ya` / `tidak` (booleans read alike on both databases).
const LATE: &str = "CASE WHEN x.late THEN 'ya' ELSE 'tidak' END";
const ACTIVE: &str = "CASE WHEN x.active THEN 'ya' ELSE 'tidak' END";
const ASSESSMENT_STATUSES: &[&str] = &["draft", "diajukan", "diverifikasi", "final"];

pub const REPORTS: ListDef = ListDef {
    key: "laporan",
    from: concat!("ibm_reports x", unit_joins!()),
    permission: Permission::ReadData,
    search: &["u.name", "u.code", "o.name", "x.submitted_by"],
    area: Some("u.village_code"),
    columns: &[
        col("period", "x.period", Show::Period),
        col("unit", "u.name", Show::Text),
        col("unit_code", "u.code", Show::Text),
        col("office", "o.name", Show::Text),
        col("submitted_on", "x.submitted_on", Show::Date),
        col("due_date", "x.due_date", Show::Date),
        col("late", LATE, Show::Label("list-yes-no-")),
        col("submitted_by", "x.submitted_by", Show::Text),
    ],
    filters: &[
        year_of("x.period"),
        choice("late", LATE, YES_NO, "list-yes-no-"),
    ],
    link: "'/ibm/' || CAST(u.id AS TEXT) || '/laporan?period=' || x.period",
    default_sort: "period",
    default_descending: true,
    tiebreak: "x.id",
};

pub const VISITS: ListDef = ListDef {
    key: "kunjungan",
    from: concat!("ibm_visits x", unit_joins!()),
    permission: Permission::ReadData,
    search: &["u.name", "u.code", "o.name", "x.officer", "x.findings"],
    area: Some("u.village_code"),
    columns: &[
        col("visit_date", "x.visit_date", Show::Date),
        col("unit", "u.name", Show::Text),
        col("unit_code", "u.code", Show::Text),
        col("office", "o.name", Show::Text),
        col("mode", "x.mode", Show::Label("ibm-mode-")),
        col("officer", "x.officer", Show::Text),
        col(
            "open_actions",
            "(SELECT COUNT(*) FROM ibm_visit_actions a WHERE a.visit_id = x.id AND a.status = 'terbuka')",
            Show::Text,
        ),
    ],
    filters: &[
        year_of("x.visit_date"),
        choice("mode", "x.mode", &["daring", "luring"], "ibm-mode-"),
    ],
    link: "'/ibm/' || CAST(u.id AS TEXT) || '#kunjungan'",
    default_sort: "visit_date",
    default_descending: true,
    tiebreak: "x.id",
};

pub const ACTIONS: ListDef = ListDef {
    key: "tindak-lanjut",
    from: concat!("ibm_visit_actions x", unit_joins!()),
    permission: Permission::ReadData,
    search: &["u.name", "u.code", "o.name", "x.description", "x.owner"],
    area: Some("u.village_code"),
    columns: &[
        col("due_date", "x.due_date", Show::Date),
        col("description", "x.description", Show::Text),
        col("owner", "x.owner", Show::Text),
        col("unit", "u.name", Show::Text),
        col("office", "o.name", Show::Text),
        col("status", "x.status", Show::Label("ibm-action-")),
    ],
    filters: &[
        year_of("x.due_date"),
        choice("status", "x.status", ACTION_STATUSES, "ibm-action-"),
    ],
    link: "'/ibm/' || CAST(u.id AS TEXT) || '#kunjungan'",
    default_sort: "due_date",
    default_descending: false,
    tiebreak: "x.id",
};

/// Agents' names are personal data: only readers with [`Permission::ReadPersonalData`] over
/// the unit's office see this list. Phones stay on the unit's page.
pub const AGENTS: ListDef = ListDef {
    key: "agen",
    from: concat!("ibm_agents x", unit_joins!()),
    permission: Permission::ReadPersonalData,
    search: &["x.full_name", "u.name", "u.code", "o.name"],
    area: Some("u.village_code"),
    columns: &[
        col("full_name", "x.full_name", Show::Text),
        col("sex", "x.sex", Show::Label("ibm-sex-")),
        col("agent_role", "x.role", Show::Label("ibm-agent-")),
        col("unit", "u.name", Show::Text),
        col("office", "o.name", Show::Text),
        col("joined_year", "x.joined_year", Show::Text),
        col(
            "trainings",
            "(SELECT COUNT(*) FROM ibm_agent_trainings t WHERE t.agent_id = x.id)",
            Show::Text,
        ),
        col("active", ACTIVE, Show::Label("list-yes-no-")),
    ],
    filters: &[
        choice("sex", "x.sex", &["l", "p"], "ibm-sex-"),
        choice("agent_role", "x.role", &["ketua", "anggota"], "ibm-agent-"),
        choice("active", ACTIVE, YES_NO, "list-yes-no-"),
    ],
    link: "'/ibm/' || CAST(u.id AS TEXT) || '#agen'",
    default_sort: "full_name",
    default_descending: false,
    tiebreak: "x.id",
};

pub const STAGE_ASSESSMENTS: ListDef = ListDef {
    key: "penilaian",
    from: concat!(
        "ibm_assessments x",
        unit_joins!(),
        " LEFT JOIN ibm_stages st ON st.id = x.achieved_stage_id"
    ),
    permission: Permission::ReadData,
    search: &["u.name", "u.code", "o.name"],
    area: Some("u.village_code"),
    columns: &[
        col("year", "x.year", Show::Text),
        col("unit", "u.name", Show::Text),
        col("unit_code", "u.code", Show::Text),
        col("office", "o.name", Show::Text),
        col(
            "achieved_stage",
            "st.name_id",
            Show::Named {
                english: "st.name_en",
            },
        ),
        col("status", "x.status", Show::Label("ibm-assessment-")),
        col("updated_at", "x.updated_at", Show::Date),
    ],
    filters: &[
        year("x.year"),
        choice("status", "x.status", ASSESSMENT_STATUSES, "ibm-assessment-"),
    ],
    link: "'/ibm/' || CAST(u.id AS TEXT) || '/penilaian/' || CAST(x.year AS TEXT)",
    default_sort: "year",
    default_descending: true,
    tiebreak: "x.id",
};

pub const SNI_ASSESSMENTS: ListDef = ListDef {
    key: "sni_penilaian",
    from: concat!("sni_assessments x", sni_joins!()),
    permission: Permission::ReadData,
    search: &["i.name", "i.code", "o.name", "c.name"],
    area: Some("i.area_code"),
    columns: &[
        col("assessed_on", "x.assessed_on", Show::Date),
        col("institution", "i.name", Show::Text),
        col("office", "o.name", Show::Text),
        col("cohort", "c.name", Show::Text),
        col("assessment_kind", "x.kind", Show::Label("sni-akind-")),
        col("status", "x.status", Show::Label("ibm-assessment-")),
    ],
    filters: &[
        year("c.year"),
        choice(
            "assessment_kind",
            "x.kind",
            &["awal", "monitoring", "akhir"],
            "sni-akind-",
        ),
        choice("status", "x.status", ASSESSMENT_STATUSES, "ibm-assessment-"),
    ],
    link: "'/sni/penilaian/' || CAST(x.id AS TEXT)",
    default_sort: "assessed_on",
    default_descending: true,
    tiebreak: "x.id",
};

pub const SNI_ACTIONS: ListDef = ListDef {
    key: "sni_tindak_lanjut",
    from: concat!("sni_actions x", sni_joins!()),
    permission: Permission::ReadData,
    search: &["i.name", "i.code", "o.name", "x.description", "x.owner"],
    area: Some("i.area_code"),
    columns: &[
        col("due_date", "x.due_date", Show::Date),
        col("description", "x.description", Show::Text),
        col("owner", "x.owner", Show::Text),
        col("institution", "i.name", Show::Text),
        col("office", "o.name", Show::Text),
        col("status", "x.status", Show::Label("ibm-action-")),
    ],
    filters: &[
        year("c.year"),
        choice("status", "x.status", ACTION_STATUSES, "ibm-action-"),
    ],
    link: "'/sni/peserta/' || CAST(p.id AS TEXT)",
    default_sort: "due_date",
    default_descending: false,
    tiebreak: "x.id",
};

/// Every role's code, as [`pantau_core::access::Role`] spells it (a unit test keeps the two
/// the same).
const ROLES: &[&str] = &[
    "national_admin",
    "national_analyst",
    "bnnp_officer",
    "bnnk_officer",
    "institution_operator",
    "ikai_facilitator",
    "leadership",
    "unit_reporter",
];

/// Who holds which role where: one row per grant, so a user with two roles is listed twice.
pub const USERS: ListDef = ListDef {
    key: "pengguna",
    from: "grants g JOIN users x ON x.id = g.user_id JOIN offices o ON o.id = g.office_id",
    permission: Permission::ReadData,
    search: &["x.full_name", "x.username", "x.email", "o.name"],
    area: None,
    columns: &[
        col("full_name", "x.full_name", Show::Text),
        col("username", "x.username", Show::Text),
        col("role", "g.role", Show::Label("role-")),
        col("office", "o.name", Show::Text),
        col("email", "x.email", Show::Text),
        col("active", ACTIVE, Show::Label("list-yes-no-")),
        col("created_at", "x.created_at", Show::Date),
    ],
    filters: &[
        choice("role", "g.role", ROLES, "role-"),
        choice("active", ACTIVE, YES_NO, "list-yes-no-"),
    ],
    link: "'/pengguna/' || CAST(x.id AS TEXT)",
    default_sort: "full_name",
    default_descending: false,
    tiebreak: "g.id",
};

/// Every list, for the tests that walk them all.
pub const ALL: &[&ListDef] = &[
    &REPORTS,
    &VISITS,
    &ACTIONS,
    &AGENTS,
    &STAGE_ASSESSMENTS,
    &SNI_ASSESSMENTS,
    &SNI_ACTIONS,
    &USERS,
];

/// What a reader asked of a list. Filter values are checked against the list's definition
/// by [`fetch`].
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub words: Option<String>,
    pub office_id: Option<i64>,
    /// A province code (`32`).
    pub province: Option<String>,
    pub filters: Vec<(String, String)>,
    pub sort: Option<String>,
    pub descending: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

/// One row: the address it opens and its values, in the order of the list's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub link: String,
    pub values: Vec<String>,
    /// The English names of [`Show::Named`] columns, in column order (empty elsewhere).
    pub english: Vec<String>,
}

/// The most rows one list (or one download of it) holds.
pub const MAX_ROWS: i64 = 50_000;

/// The rows of `def` the principal may read that match `req`, and how many match in all.
pub async fn fetch(
    db: &Db,
    who: &Principal,
    def: &'static ListDef,
    req: &ListRequest,
) -> DbResult<(Vec<ListRow>, i64)> {
    let under = match req.office_id {
        Some(id) => Some(offices::get_unchecked(db, id).await?.path),
        None => None,
    };
    let words = req
        .words
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let places = match (&words, def.area) {
        (Some(w), Some(_)) => crate::ibm::units::areas_named(db, w).await?,
        _ => vec![],
    };
    let province = match req.province.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() && def.area.is_none() => {
            return Err(DbError::unknown_value(
                "filter",
                "province",
                def.filters.iter().map(|f| f.key),
            ));
        }
        Some(p) if !p.is_empty() => {
            if !(p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())) {
                return Err(DbError::area_code(
                    "province",
                    pantau_core::org::InvalidAreaCode(p.to_string()),
                ));
            }
            Some(p.to_string())
        }
        _ => None,
    };
    let mut chosen: Vec<(&'static Filter, String)> = Vec::new();
    for (key, value) in &req.filters {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let filter = def.filter(key).ok_or_else(|| {
            DbError::unknown_value("filter", key, def.filters.iter().map(|f| f.key))
        })?;
        match filter.kind {
            FilterKind::Choice { values, .. } if !values.contains(&value) => {
                return Err(DbError::unknown_value(
                    filter.key,
                    value,
                    values.iter().copied(),
                ));
            }
            FilterKind::Year | FilterKind::YearOf => {
                let year: i64 = value
                    .parse()
                    .map_err(|_| DbError::out_of_range(filter.key, 2000, 2100))?;
                if !(2000..=2100).contains(&year) {
                    return Err(DbError::out_of_range(filter.key, 2000, 2100));
                }
            }
            _ => {}
        }
        chosen.push((filter, value.to_string()));
    }
    let sort = match req.sort.as_deref().filter(|s| !s.is_empty()) {
        Some(key) => def.column(key).filter(|c| c.sortable).ok_or_else(|| {
            DbError::unknown_value(
                "sort",
                key,
                def.columns.iter().filter(|c| c.sortable).map(|c| c.key),
            )
        })?,
        None => def
            .column(def.default_sort)
            .expect("a list's default sort names one of its columns"),
    };
    let descending = req
        .descending
        .unwrap_or(def.default_descending && req.sort.is_none());

    let conditions = |sql: &mut Sql| -> bool {
        sql.push(" WHERE ");
        if !sql.scope(who, def.permission, "o.path") {
            return false;
        }
        if let Some(path) = &under {
            sql.push(" AND o.path LIKE ").bind(format!("{path}%"));
        }
        if let (Some(p), Some(area)) = (&province, def.area) {
            sql.push(" AND ")
                .push(area)
                .push(" LIKE ")
                .bind(format!("{p}.%"));
        }
        for (filter, value) in &chosen {
            sql.push(" AND ");
            match filter.kind {
                FilterKind::Choice { .. } => {
                    sql.push(filter.sql).push(" = ").bind(value.clone());
                }
                FilterKind::YearOf => {
                    sql.push(filter.sql)
                        .push(" LIKE ")
                        .bind(format!("{value}-%"));
                }
                FilterKind::Year => {
                    sql.push(filter.sql)
                        .push(" = ")
                        .bind(value.parse::<i64>().unwrap_or_default());
                }
            }
        }
        if let Some(w) = &words {
            let pattern = format!("%{w}%");
            sql.push(" AND (");
            for (i, column) in def.search.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push("LOWER(")
                    .push(column)
                    .push(") LIKE ")
                    .bind(pattern.clone());
            }
            for p in places.iter().filter(|_| def.area.is_some()) {
                sql.push(" OR ")
                    .push(def.area.unwrap_or_default())
                    .push(" LIKE ")
                    .bind(format!("{p}%"));
            }
            sql.push(")");
        }
        true
    };

    let mut count = Sql::new("SELECT COUNT(*) AS n FROM ");
    count.push(def.from);
    if !conditions(&mut count) {
        return Ok((vec![], 0));
    }
    let total: i64 = count.query().fetch_one(db.pool()).await?.get("n");

    let mut page = Sql::new("SELECT CAST(");
    page.push(def.link).push(" AS TEXT) AS link");
    for (i, c) in def.columns.iter().enumerate() {
        page.push(", CAST(").push(c.sql).push(" AS TEXT) AS ");
        page.push(COLUMN_ALIASES[i]);
        if let Show::Named { english } = c.show {
            page.push(", ").push(english).push(" AS ");
            page.push(ENGLISH_ALIASES[i]);
        }
    }
    page.push(" FROM ").push(def.from);
    conditions(&mut page);
    page.push(" ORDER BY ")
        .push(sort.sql)
        .push(if descending { " DESC" } else { " ASC" })
        .push(", ")
        .push(def.tiebreak)
        .push(" LIMIT ")
        .bind(req.limit.clamp(1, MAX_ROWS));
    page.push(" OFFSET ").bind(req.offset.max(0));
    let rows = page.query().fetch_all(db.pool()).await?;
    let rows = rows
        .iter()
        .map(|r| {
            let mut values = Vec::with_capacity(def.columns.len());
            let mut english = Vec::with_capacity(def.columns.len());
            for (i, c) in def.columns.iter().enumerate() {
                let v: Option<String> = r.try_get(COLUMN_ALIASES[i])?;
                values.push(v.unwrap_or_default());
                english.push(match c.show {
                    Show::Named { .. } => r
                        .try_get::<Option<String>, _>(ENGLISH_ALIASES[i])?
                        .unwrap_or_default(),
                    _ => String::new(),
                });
            }
            Ok(ListRow {
                link: r.try_get("link")?,
                values,
                english,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((rows, total))
}

/// Column aliases `c0…c11`: SQL text is only ever appended from static pieces.
const COLUMN_ALIASES: [&str; 12] = [
    "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11",
];
const ENGLISH_ALIASES: [&str; 12] = [
    "e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10", "e11",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_well_formed() {
        for def in ALL {
            assert!(def.columns.len() <= COLUMN_ALIASES.len(), "{}", def.key);
            assert!(def.column(def.default_sort).is_some(), "{}", def.key);
            let mut keys: Vec<_> = def.columns.iter().map(|c| c.key).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), def.columns.len(), "{}: a column twice", def.key);
        }
    }

    #[test]
    fn the_role_filter_offers_every_role() {
        let roles: Vec<&str> = pantau_core::access::Role::ALL
            .iter()
            .map(|r| r.as_str())
            .collect();
        assert_eq!(roles, ROLES);
    }
}
