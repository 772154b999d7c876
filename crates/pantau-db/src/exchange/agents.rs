//! Agen Pemulihan in and out of spreadsheets. Agents have no code of their own: a row is matched
//! by `id_agen` (Pantau's number, written by every export) when it has one, otherwise by unit code
//! and name (case and spacing ignored) — two agents of one unit may share a name, and the number
//! tells them apart on the way back. Trainings are one cell, `kode@YYYY-MM-DD` separated by `;`;
//! an import adds the trainings an agent lacks and never removes one.

use super::{MAX_ERRORS, Message, RowError, Table, flag_text, parse_flag};
use crate::db::ImportTx;
use crate::error::{DbError, DbResult};
use crate::ibm::agents::{self, AgentInput};
use crate::sql::Sql;
use crate::{Actor, Db};
use pantau_core::access::Permission;
use pantau_core::ibm::{AgentRole, Sex};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap, HashSet};

pub use super::units::ImportSummary;

pub const REQUIRED: &[&str] = &[
    "kode_unit",
    "nama",
    "jenis_kelamin",
    "peran",
    "tahun_bergabung",
];
pub const OPTIONAL: &[&str] = &["aktif", "telepon", "pelatihan", "id_agen"];
const COLUMNS: super::Columns = super::Columns {
    required: REQUIRED,
    optional: OPTIONAL,
    per_year: &[],
};

pub fn columns() -> Vec<&'static str> {
    REQUIRED.iter().chain(OPTIONAL).copied().collect()
}

pub fn template() -> Table {
    let mut t = Table::new(&columns());
    t.rows.push(
        [
            "IBM-32.73-001",
            "Siti Rahmawati",
            "p",
            "ketua",
            "2025",
            "ya",
            "0812-0000-0000",
            "ap_dasar@2025-03-12",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    );
    t
}

/// The name as a key: lower case, inner spaces collapsed.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `kode@YYYY-MM-DD; …` into (code, date) pairs, or the first bad part.
fn parse_trainings(cell: &str) -> Result<BTreeSet<(String, String)>, String> {
    let mut out = BTreeSet::new();
    for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((code, date)) = part.split_once('@') else {
            return Err(part.to_string());
        };
        let (code, date) = (code.trim(), date.trim());
        if code.is_empty() || chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
            return Err(part.to_string());
        }
        out.insert((code.to_string(), date.to_string()));
    }
    Ok(out)
}

fn trainings_text(t: &BTreeSet<(String, String)>) -> String {
    t.iter()
        .map(|(c, d)| format!("{c}@{d}"))
        .collect::<Vec<_>>()
        .join("; ")
}

struct Planned {
    row: usize,
    unit_id: i64,
    agent_id: Option<i64>,
    input: AgentInput,
    trainings: BTreeSet<(String, String)>,
}

struct Existing {
    id: i64,
    input: AgentInput,
    trainings: BTreeSet<(String, String)>,
}

/// Imports agents from `table`, all or nothing; `dry_run` does the same and rolls back.
pub async fn import(
    db: &Db,
    actor: Actor<'_>,
    table: &Table,
    dry_run: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> DbResult<Result<ImportSummary, Vec<RowError>>> {
    let warnings = match table.check_import(&COLUMNS) {
        Ok(w) => w,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = Vec::new();
    let training_codes: HashSet<String> =
        sqlx::query("SELECT code FROM ref_items WHERE list = 'training'")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| r.get("code"))
            .collect();
    // unit code → (id, coaching office path), looked up once per code.
    let mut units = super::UnitCodes::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut plan = Vec::new();
    for (i, cells) in table.rows.iter().enumerate() {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let row = i + 2;
        let cell = |c: &str| table.cell(cells, c).to_string();
        let mut err = |column: &str, reason: Message| {
            errors.push(table.row_error(cells, row, column, reason))
        };
        let unit_code = cell("kode_unit");
        let unit = match units.writable(db, actor, &unit_code).await? {
            Ok(id) => Some(id),
            Err(reason) => {
                err("kode_unit", reason);
                None
            }
        };
        let name = cell("nama");
        if name.trim().is_empty() || name.chars().count() > 200 {
            err("nama", Message::new("xchg-name-required").with("max", 200));
        }
        let agent_id = match cell("id_agen") {
            text if text.is_empty() => None,
            text => match text.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    err("id_agen", Message::new("xchg-agent-id"));
                    None
                }
            },
        };
        let key = match agent_id {
            Some(id) => format!("#{id}"),
            None => format!("{unit_code}\u{0}{}", name_key(&name)),
        };
        if !name.trim().is_empty()
            && let Some(first) = seen.insert(key, row)
        {
            let column = if agent_id.is_some() {
                "id_agen"
            } else {
                "nama"
            };
            err(
                column,
                Message::new("xchg-agent-twice").with("first", first),
            );
        }
        let sex = cell("jenis_kelamin").to_lowercase();
        if Sex::parse(&sex).is_none() {
            err("jenis_kelamin", Message::new("xchg-sex"));
        }
        let role = cell("peran").to_lowercase();
        if AgentRole::parse(&role).is_none() {
            err("peran", Message::new("xchg-agent-role"));
        }
        let joined_year = match cell("tahun_bergabung").parse::<i64>() {
            Ok(y) if (pantau_core::ibm::FIRST_YEAR..=pantau_core::ibm::LAST_YEAR).contains(&y) => {
                Some(y)
            }
            _ => {
                err(
                    "tahun_bergabung",
                    Message::new("xchg-year-range")
                        .with("min", pantau_core::ibm::FIRST_YEAR)
                        .with("max", pantau_core::ibm::LAST_YEAR),
                );
                None
            }
        };
        let active_cell = cell("aktif");
        let active = if active_cell.is_empty() {
            Some(true)
        } else {
            let v = parse_flag(&active_cell);
            if v.is_none() {
                err("aktif", Message::new("xchg-yes-no"));
            }
            v
        };
        let phone = cell("telepon");
        if phone.chars().count() > 50 {
            err("telepon", Message::new("xchg-too-long").with("max", 50));
        }
        let trainings = match parse_trainings(&cell("pelatihan")) {
            Ok(t) => {
                if let Some((code, _)) = t.iter().find(|(c, _)| !training_codes.contains(c)) {
                    err(
                        "pelatihan",
                        Message::new("xchg-training-unknown").with("code", code),
                    );
                }
                t
            }
            Err(part) => {
                err(
                    "pelatihan",
                    Message::new("xchg-training-format").with("part", part),
                );
                BTreeSet::new()
            }
        };
        let (Some(unit_id), Some(joined_year), Some(active)) = (unit, joined_year, active) else {
            continue;
        };
        plan.push(Planned {
            row,
            unit_id,
            agent_id,
            input: AgentInput {
                full_name: name.split_whitespace().collect::<Vec<_>>().join(" "),
                sex,
                role,
                phone: phone.trim().to_string(),
                joined_year,
                active,
            },
            trainings,
        });
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut summary = ImportSummary {
        rows: plan.len(),
        dry_run,
        warnings,
        ..Default::default()
    };
    let mut tx = ImportTx::begin(db, dry_run).await?;
    let mut existing_by_unit: HashMap<i64, Vec<Existing>> = HashMap::new();
    // Agents already written by an earlier row: a name row must not land on an id row's agent.
    let mut touched: HashMap<i64, usize> = HashMap::new();
    for (done, p) in plan.iter().enumerate() {
        tx.row_done().await?;
        if !existing_by_unit.contains_key(&p.unit_id) {
            let found = existing(&mut tx, p.unit_id).await?;
            existing_by_unit.insert(p.unit_id, found);
        }
        let of_unit = &existing_by_unit[&p.unit_id];
        let matched: Result<Option<&Existing>, (&str, Message)> = match p.agent_id {
            Some(id) => match of_unit.iter().find(|e| e.id == id) {
                Some(e) => Ok(Some(e)),
                None => Err((
                    "id_agen",
                    Message::new("xchg-agent-not-in-unit").with("id", id),
                )),
            },
            None => {
                let key = name_key(&p.input.full_name);
                let same: Vec<&Existing> = of_unit
                    .iter()
                    .filter(|e| name_key(&e.input.full_name) == key)
                    .collect();
                match same.as_slice() {
                    [] => Ok(None),
                    [one] => Ok(Some(*one)),
                    _ => Err(("nama", Message::new("xchg-agent-name-ambiguous"))),
                }
            }
        };
        let known = match matched {
            Ok(k) => k,
            Err((column, reason)) => {
                tx.rollback().await?;
                return Ok(Err(vec![RowError {
                    row: p.row,
                    column: column.into(),
                    value: p.input.full_name.clone(),
                    reason,
                }]));
            }
        };
        if let Some(e) = known
            && let Some(first) = touched.insert(e.id, p.row)
        {
            tx.rollback().await?;
            return Ok(Err(vec![RowError {
                row: p.row,
                column: "nama".into(),
                value: p.input.full_name.clone(),
                reason: Message::new("xchg-agent-same-as-row").with("first", first),
            }]));
        }
        let result = async {
            let (id, had) = match known {
                Some(e) => {
                    let same = e.input.full_name == p.input.full_name
                        && e.input.sex == p.input.sex
                        && e.input.role == p.input.role
                        && e.input.phone == p.input.phone
                        && e.input.joined_year == p.input.joined_year
                        && e.input.active == p.input.active;
                    if !same {
                        agents::update_in(&mut tx, actor, e.id, &p.input).await?;
                    }
                    let missing = p.trainings.difference(&e.trainings).count();
                    if same && missing == 0 {
                        summary.unchanged += 1;
                    } else {
                        summary.updated += 1;
                    }
                    (e.id, e.trainings.clone())
                }
                None => {
                    summary.created += 1;
                    let id = agents::add_in(&mut tx, actor, p.unit_id, &p.input).await?;
                    (id, BTreeSet::new())
                }
            };
            for (code, date) in p.trainings.difference(&had) {
                agents::add_training_in(&mut tx, actor, id, code, date).await?;
            }
            Ok::<_, DbError>(())
        }
        .await;
        if let Err(e) = result {
            tx.rollback().await?;
            return Ok(Err(vec![RowError::from_write(
                e,
                p.row,
                &p.input.full_name,
            )?]));
        }
        progress(done + 1);
    }
    tx.finish().await?;
    Ok(Ok(summary))
}

/// The agents of one unit, with their trainings.
async fn existing(conn: &mut sqlx::AnyConnection, unit_id: i64) -> DbResult<Vec<Existing>> {
    let rows = sqlx::query(
        "SELECT id, full_name, sex, role, active, phone, joined_year FROM ibm_agents WHERE unit_id = $1",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<Existing> = rows
        .iter()
        .map(|r| Existing {
            id: r.get("id"),
            input: AgentInput {
                full_name: r.get("full_name"),
                sex: r.get("sex"),
                role: r.get("role"),
                phone: r.get("phone"),
                joined_year: r.get("joined_year"),
                active: crate::db::flag(r, "active"),
            },
            trainings: BTreeSet::new(),
        })
        .collect();
    let trainings = sqlx::query(
        "SELECT t.agent_id, t.training_code, t.held_on FROM ibm_agent_trainings t \
         JOIN ibm_agents a ON a.id = t.agent_id WHERE a.unit_id = $1",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    for t in trainings {
        let agent: i64 = t.get("agent_id");
        if let Some(e) = out.iter_mut().find(|e| e.id == agent) {
            e.trainings
                .insert((t.get("training_code"), t.get("held_on")));
        }
    }
    Ok(out)
}

/// The agents of the units the actor may read personal data of, in the import columns. Names
/// and phone numbers are personal data: the same scope as the agents page, and every export is
/// recorded in the audit trail (who, how many agents).
pub async fn export(db: &Db, actor: Actor<'_>) -> DbResult<Table> {
    let mut t = Table::new(&columns());
    let scoped = |select: &'static str| -> DbResult<Sql> {
        let mut sql = Sql::new(select);
        match actor {
            Actor::User(who) => {
                if !sql.scope(who, Permission::ReadPersonalData, "o.path") {
                    return Err(pantau_core::access::Denied::visible(
                        Permission::ReadPersonalData,
                        "agen",
                    )
                    .into());
                }
            }
            Actor::System(_) => {
                sql.push("1 = 1");
            }
        }
        Ok(sql)
    };
    let mut agents_sql = scoped(
        "SELECT a.id, u.code AS unit_code, a.full_name, a.sex, a.role, a.joined_year, a.active, a.phone \
         FROM ibm_agents a JOIN ibm_units u ON u.id = a.unit_id JOIN offices o ON o.id = u.office_id WHERE ",
    )?;
    agents_sql.push(" ORDER BY u.code, a.full_name, a.id");
    let rows = agents_sql.query().fetch_all(db.pool()).await?;
    let trainings_sql = scoped(
        "SELECT t.agent_id, t.training_code, t.held_on FROM ibm_agent_trainings t \
         JOIN ibm_agents a ON a.id = t.agent_id JOIN ibm_units u ON u.id = a.unit_id \
         JOIN offices o ON o.id = u.office_id WHERE ",
    )?;
    let mut trainings: HashMap<i64, BTreeSet<(String, String)>> = HashMap::new();
    for r in trainings_sql.query().fetch_all(db.pool()).await? {
        trainings
            .entry(r.get("agent_id"))
            .or_default()
            .insert((r.get("training_code"), r.get("held_on")));
    }
    for r in rows {
        let id: i64 = r.get("id");
        t.rows.push(vec![
            r.get("unit_code"),
            r.get("full_name"),
            r.get("sex"),
            r.get("role"),
            r.get::<i64, _>("joined_year").to_string(),
            flag_text(crate::db::flag(&r, "active")),
            r.get("phone"),
            trainings.get(&id).map(trainings_text).unwrap_or_default(),
            id.to_string(),
        ]);
    }
    crate::audit::record_export(db, actor, "agen", t.rows.len()).await?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trainings_cell_round_trips_and_refuses_bad_parts() {
        let t = parse_trainings(" tot_agen@2025-03-12;; rujukan @ 2024-01-05 ").unwrap();
        assert_eq!(
            trainings_text(&t),
            "rujukan@2024-01-05; tot_agen@2025-03-12"
        );
        assert_eq!(parse_trainings(&trainings_text(&t)).unwrap(), t);
        assert_eq!(parse_trainings("tot_agen").unwrap_err(), "tot_agen");
        assert!(parse_trainings("tot@2025-13-01").is_err());
        assert_eq!(name_key("  Siti   RAHMAWATI "), "siti rahmawati");
    }
}
