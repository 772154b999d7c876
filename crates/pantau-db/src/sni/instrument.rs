//! The SNI instrument as versioned, configurable data: aspects, requirements (code, text, weight,
//! mandatory flag, evidence asked), the scoring scale and the pass threshold.

use crate::audit::{self, Actor, Change};
use crate::error::{DbError, DbResult};
use crate::exchange::Message;
use crate::ibm::check_text;
use crate::{Db, now_rfc3339};
use pantau_core::access::Permission;
use pantau_core::sni::Requirement as ScoringRequirement;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct Aspect {
    pub id: i64,
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub ordinal: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub id: i64,
    pub aspect_id: i64,
    pub code: String,
    pub text_id: String,
    pub text_en: String,
    pub weight: f64,
    pub mandatory: bool,
    pub evidence_kind: String,
    /// The evidence's name in English (empty: the Indonesian name stands).
    pub evidence_kind_en: String,
    pub ordinal: i64,
}

impl Requirement {
    /// The evidence asked for, in `lang` (`id` or `en`), falling back to Indonesian.
    pub fn evidence(&self, lang: &str) -> &str {
        if lang == "en" && !self.evidence_kind_en.is_empty() {
            &self.evidence_kind_en
        } else {
            &self.evidence_kind
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleLevel {
    pub code: String,
    pub label_id: String,
    pub label_en: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Instrument {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub pass_threshold: f64,
    pub active: bool,
    pub aspects: Vec<Aspect>,
    pub requirements: Vec<Requirement>,
    pub scale: Vec<ScaleLevel>,
}

impl Instrument {
    pub fn scoring(&self) -> Vec<ScoringRequirement> {
        self.requirements
            .iter()
            .map(|r| ScoringRequirement {
                id: r.id,
                aspect_id: r.aspect_id,
                weight: r.weight,
                mandatory: r.mandatory,
                ordinal: r.ordinal,
            })
            .collect()
    }

    /// Scale code → value (`None` = not applicable).
    pub fn scale_values(&self) -> HashMap<String, Option<f64>> {
        self.scale
            .iter()
            .map(|s| (s.code.clone(), s.value))
            .collect()
    }

    pub fn aspect_name(&self, id: i64, lang: &str) -> String {
        self.aspects
            .iter()
            .find(|a| a.id == id)
            .map(|a| {
                if lang == "en" {
                    a.name_en.clone()
                } else {
                    a.name_id.clone()
                }
            })
            .unwrap_or_default()
    }
}

pub async fn load(db: &Db, id: i64) -> DbResult<Instrument> {
    let mut conn = db.pool().acquire().await?;
    load_in(&mut conn, id).await
}

/// [`load`] on the caller's connection (inside its transaction).
pub(crate) async fn load_in(conn: &mut sqlx::AnyConnection, id: i64) -> DbResult<Instrument> {
    let r = sqlx::query("SELECT * FROM sni_instruments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| DbError::not_found(format!("instrumen {id}")))?;
    let aspects =
        sqlx::query("SELECT * FROM sni_aspects WHERE instrument_id = $1 ORDER BY ordinal")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|a| Aspect {
                id: a.get("id"),
                code: a.get("code"),
                name_id: a.get("name_id"),
                name_en: a.get("name_en"),
                ordinal: a.get("ordinal"),
            })
            .collect();
    let requirements = sqlx::query(
        "SELECT r.* FROM sni_requirements r JOIN sni_aspects a ON a.id = r.aspect_id WHERE r.instrument_id = $1 ORDER BY a.ordinal, r.ordinal",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|q| Requirement {
        id: q.get("id"),
        aspect_id: q.get("aspect_id"),
        code: q.get("code"),
        text_id: q.get("text_id"),
        text_en: q.get("text_en"),
        weight: q.get("weight"),
        mandatory: crate::db::flag(q, "mandatory"),
        evidence_kind: q.get("evidence_kind"),
        evidence_kind_en: q.get("evidence_kind_en"),
        ordinal: q.get("ordinal"),
    })
    .collect();
    let scale = sqlx::query("SELECT * FROM sni_scale WHERE instrument_id = $1 ORDER BY ordinal")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|s| ScaleLevel {
            code: s.get("code"),
            label_id: s.get("label_id"),
            label_en: s.get("label_en"),
            value: s.get("value"),
        })
        .collect();
    Ok(Instrument {
        id,
        code: r.get("code"),
        title: r.get("title"),
        pass_threshold: r.get("pass_threshold"),
        active: crate::db::flag(&r, "active"),
        aspects,
        requirements,
        scale,
    })
}

/// The active instrument used for new cohorts (the newest active one).
pub async fn active(db: &Db) -> DbResult<Instrument> {
    let id: i64 =
        sqlx::query("SELECT id FROM sni_instruments WHERE active = $1 ORDER BY id DESC LIMIT 1")
            .bind(true)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| DbError::not_found("instrumen SNI aktif"))?
            .get("id");
    load(db, id).await
}

pub async fn list(db: &Db) -> DbResult<Vec<(i64, String, String, bool)>> {
    Ok(
        sqlx::query("SELECT id, code, title, active FROM sni_instruments ORDER BY id")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| {
                (
                    r.get("id"),
                    r.get("code"),
                    r.get("title"),
                    crate::db::flag(r, "active"),
                )
            })
            .collect(),
    )
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
pub struct RequirementInput {
    pub aspect_code: String,
    #[schemars(schema_with = "pantau_core::schema::requirement_code")]
    pub code: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub text_id: String,
    #[schemars(schema_with = "pantau_core::schema::required_text")]
    pub text_en: String,
    #[schemars(schema_with = "pantau_core::schema::weight")]
    pub weight: f64,
    pub mandatory: bool,
    #[serde(default)]
    pub evidence_kind: String,
    #[serde(default)]
    pub evidence_kind_en: String,
}

fn check_requirement(r: &RequirementInput) -> DbResult<()> {
    let code_ok = !r.code.is_empty()
        && r.code.len() <= 20
        && r.code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !code_ok {
        return Err(DbError::field("err-code-format", "code"));
    }
    check_text("text_id", &r.text_id, 1000, true)?;
    check_text("text_en", &r.text_en, 1000, true)?;
    check_text("evidence_kind", &r.evidence_kind, 200, false)?;
    check_text("evidence_kind_en", &r.evidence_kind_en, 200, false)?;
    if !(r.weight > 0.0 && r.weight <= 100.0) {
        return Err(DbError::out_of_range("weight", 0, 100));
    }
    Ok(())
}

/// Adds or changes one requirement of an instrument (national admin).
pub async fn upsert_requirement(
    db: &Db,
    actor: Actor<'_>,
    instrument_id: i64,
    r: &RequirementInput,
) -> DbResult<()> {
    actor.authorize_national(Permission::ManageReference)?;
    check_requirement(r)?;
    let mut tx = db.begin().await?;
    let aspect_id: i64 =
        sqlx::query("SELECT id FROM sni_aspects WHERE instrument_id = $1 AND code = $2")
            .bind(instrument_id)
            .bind(&r.aspect_code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| DbError::unknown_record("aspect_code", &r.aspect_code))?
            .get("id");
    let ordinal: i64 = sqlx::query(
        "SELECT COALESCE(MAX(ordinal), 0) + 1 AS n FROM sni_requirements WHERE aspect_id = $1",
    )
    .bind(aspect_id)
    .fetch_one(&mut *tx)
    .await?
    .get("n");
    sqlx::query(
        "INSERT INTO sni_requirements (instrument_id, aspect_id, code, text_id, text_en, weight, mandatory, evidence_kind, evidence_kind_en, ordinal) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (instrument_id, code) DO UPDATE SET aspect_id = excluded.aspect_id, \
         text_id = excluded.text_id, text_en = excluded.text_en, weight = excluded.weight, mandatory = excluded.mandatory, \
         evidence_kind = excluded.evidence_kind, evidence_kind_en = excluded.evidence_kind_en",
    )
    .bind(instrument_id)
    .bind(aspect_id)
    .bind(&r.code)
    .bind(r.text_id.trim())
    .bind(r.text_en.trim())
    .bind(r.weight)
    .bind(r.mandatory)
    .bind(r.evidence_kind.trim())
    .bind(r.evidence_kind_en.trim())
    .bind(ordinal)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "upsert",
            entity: "butir_sni",
            entity_id: format!("{instrument_id}/{}", r.code),
            office_path: None,
            before: None,
            after: Some(json!(r)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub use crate::exchange::RowError;
use crate::exchange::Table;

pub const IMPORT_REQUIRED: &[&str] = &["aspek", "kode", "uraian", "uraian_en", "bobot", "wajib"];
pub const IMPORT_OPTIONAL: &[&str] = &["nama_aspek", "nama_aspek_en", "bukti", "bukti_en"];
const IMPORT_COLUMNS: crate::exchange::Columns = crate::exchange::Columns {
    required: IMPORT_REQUIRED,
    optional: IMPORT_OPTIONAL,
    per_year: &[],
};

/// Every instrument column, in the order templates and exports use.
pub fn import_columns() -> Vec<&'static str> {
    vec![
        "aspek",
        "nama_aspek",
        "nama_aspek_en",
        "kode",
        "uraian",
        "uraian_en",
        "bobot",
        "wajib",
        "bukti",
        "bukti_en",
    ]
}

/// What an instrument import did: the version's id (none on a dry run of a new version) and
/// whether an identical version with the same code was already there.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InstrumentImport {
    pub id: Option<i64>,
    pub aspects: usize,
    pub requirements: usize,
    pub unchanged: bool,
    pub dry_run: bool,
    /// Columns the file had that were ignored.
    pub warnings: Vec<RowError>,
}

/// An instrument version as rows of the import columns (the round trip of [`import`]).
pub fn export(instrument: &Instrument) -> Table {
    let mut t = Table::new(&import_columns());
    for r in &instrument.requirements {
        let a = instrument.aspects.iter().find(|a| a.id == r.aspect_id);
        t.rows.push(vec![
            a.map(|a| a.code.clone()).unwrap_or_default(),
            a.map(|a| a.name_id.clone()).unwrap_or_default(),
            a.map(|a| a.name_en.clone()).unwrap_or_default(),
            r.code.clone(),
            r.text_id.clone(),
            r.text_en.clone(),
            r.weight.to_string(),
            crate::exchange::flag_text(r.mandatory),
            r.evidence_kind.clone(),
            r.evidence_kind_en.clone(),
        ]);
    }
    t
}

/// The same instrument in comparable form: threshold, aspects and requirements in order.
fn fingerprint(
    threshold: f64,
    aspects: &[(String, String, String)],
    rows: &[RequirementInput],
) -> String {
    // Stored requirements come back grouped by aspect; a file may interleave them.
    let mut rows: Vec<&RequirementInput> = rows.iter().collect();
    rows.sort_by_key(|r| aspects.iter().position(|a| a.0 == r.aspect_code));
    json!({
        "threshold": threshold,
        "aspects": aspects,
        "requirements": rows.iter().map(|r| json!([r.aspect_code, r.code, r.text_id.trim(), r.text_en.trim(), r.weight, r.mandatory, r.evidence_kind.trim(), r.evidence_kind_en.trim()])).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Imports a new instrument version from a table (columns [`import_columns`]), all or nothing.
/// The scale is the default four levels; the new version becomes active and older ones inactive.
/// Versions are never changed once made (past assessments keep their meaning): importing the
/// same content under an existing code changes nothing, different content under it is refused.
pub async fn import(
    db: &Db,
    actor: Actor<'_>,
    code: &str,
    title: &str,
    threshold: f64,
    table: &Table,
    dry_run: bool,
) -> DbResult<Result<InstrumentImport, Vec<RowError>>> {
    actor.authorize_national(Permission::ManageReference)?;
    check_text("code", code, 60, true)?;
    check_text("title", title, 200, true)?;
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(DbError::out_of_range("pass_threshold", 0, 1));
    }
    let (mut errors, warnings) = table.check_columns(&IMPORT_COLUMNS);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut aspects: Vec<(String, String, String)> = Vec::new();
    let mut rows: Vec<RequirementInput> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, cells) in table.rows.iter().enumerate() {
        if errors.len() >= crate::exchange::MAX_ERRORS {
            break;
        }
        let row = i + 2;
        let get = |name: &str| table.cell(cells, name).to_string();
        let mut err = |column: &str, reason: Message| {
            errors.push(table.row_error(cells, row, column, reason))
        };
        let weight = match get("bobot").replace(',', ".").parse::<f64>() {
            Ok(w) if w.is_finite() => Some(w),
            _ => {
                err("bobot", Message::new("xchg-not-a-number"));
                None
            }
        };
        let mandatory = if get("wajib").is_empty() {
            Some(false)
        } else {
            crate::exchange::parse_flag(&get("wajib"))
        };
        if mandatory.is_none() {
            err("wajib", Message::new("xchg-yes-no"));
        }
        let aspect_code = get("aspek");
        if aspect_code.is_empty() || aspect_code.chars().count() > 40 {
            err("aspek", Message::new("xchg-aspect-code").with("max", 40));
        }
        let (Some(weight), Some(mandatory)) = (weight, mandatory) else {
            continue;
        };
        let r = RequirementInput {
            aspect_code,
            code: get("kode"),
            text_id: get("uraian"),
            text_en: get("uraian_en"),
            weight,
            mandatory,
            evidence_kind: get("bukti"),
            evidence_kind_en: get("bukti_en"),
        };
        if let Err(e) = check_requirement(&r) {
            err("kode", e.message());
            continue;
        }
        if r.aspect_code.is_empty() || r.aspect_code.chars().count() > 40 {
            continue;
        }
        if let Some(first) = seen.insert(r.code.clone(), row) {
            err("kode", Message::new("xchg-code-twice").with("first", first));
            continue;
        }
        if !aspects.iter().any(|a| a.0 == r.aspect_code) {
            let name = get("nama_aspek");
            let name = if name.is_empty() {
                r.aspect_code.clone()
            } else {
                name
            };
            let name_en = get("nama_aspek_en");
            let name_en = if name_en.is_empty() {
                name.clone()
            } else {
                name_en
            };
            if name.chars().count() > 200 || name_en.chars().count() > 200 {
                err("nama_aspek", Message::new("xchg-too-long").with("max", 200));
                continue;
            }
            aspects.push((r.aspect_code.clone(), name, name_en));
        }
        rows.push(r);
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError::file(Message::new("xchg-no-requirements")));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let existing = sqlx::query("SELECT id FROM sni_instruments WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(db.pool())
        .await?;
    if let Some(r) = existing {
        let old = load(db, r.get("id")).await?;
        let old_table = export(&old);
        let same = match import_rows(&old_table) {
            Some((a, q)) => {
                fingerprint(old.pass_threshold, &a, &q) == fingerprint(threshold, &aspects, &rows)
            }
            None => false,
        };
        if !same {
            return Ok(Err(vec![RowError::file(
                Message::new("xchg-instrument-exists").with("code", code),
            )]));
        }
        return Ok(Ok(InstrumentImport {
            id: Some(old.id),
            aspects: aspects.len(),
            requirements: rows.len(),
            unchanged: true,
            dry_run,
            warnings: warnings.clone(),
        }));
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE sni_instruments SET active = $1")
        .bind(false)
        .execute(&mut *tx)
        .await?;
    let id: i64 = sqlx::query("INSERT INTO sni_instruments (code, title, pass_threshold, active, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(code.trim())
        .bind(title.trim())
        .bind(threshold)
        .bind(true)
        .bind(now_rfc3339())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| DbError::conflict_on_unique(e, format!("instrumen {code}")))?
        .get("id");
    for (code, label_id, label_en, value, ord) in [
        ("penuh", "Terpenuhi", "Met", Some(1.0), 1),
        ("sebagian", "Terpenuhi sebagian", "Partly met", Some(0.5), 2),
        ("belum", "Belum terpenuhi", "Not met", Some(0.0), 3),
        ("tb", "Tidak berlaku", "Not applicable", None, 4),
    ] {
        sqlx::query("INSERT INTO sni_scale (instrument_id, code, label_id, label_en, value, ordinal) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(code).bind(label_id).bind(label_en).bind(value).bind(ord as i64)
            .execute(&mut *tx).await?;
    }
    let mut aspect_ids = HashMap::new();
    for (i, (code, name_id, name_en)) in aspects.iter().enumerate() {
        let aid: i64 = sqlx::query("INSERT INTO sni_aspects (instrument_id, code, name_id, name_en, ordinal) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(id).bind(code).bind(name_id).bind(name_en).bind(i as i64 + 1)
            .fetch_one(&mut *tx).await?.get("id");
        aspect_ids.insert(code.clone(), aid);
    }
    // Ordinals count within the aspect, as `upsert_requirement` does.
    let mut next_ordinal: HashMap<&str, i64> = HashMap::new();
    for r in &rows {
        let ordinal = next_ordinal.entry(r.aspect_code.as_str()).or_insert(0);
        *ordinal += 1;
        sqlx::query("INSERT INTO sni_requirements (instrument_id, aspect_id, code, text_id, text_en, weight, mandatory, evidence_kind, evidence_kind_en, ordinal) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(id).bind(aspect_ids[&r.aspect_code]).bind(&r.code).bind(r.text_id.trim()).bind(r.text_en.trim()).bind(r.weight).bind(r.mandatory).bind(r.evidence_kind.trim()).bind(r.evidence_kind_en.trim()).bind(*ordinal)
            .execute(&mut *tx).await?;
    }
    audit::record(&mut tx, actor, Change {
        action: "import",
        entity: "instrumen_sni",
        entity_id: id.to_string(),
        office_path: None,
        before: None,
        after: Some(json!({"code": code, "title": title, "threshold": threshold, "aspects": aspects.len(), "requirements": rows.len()})),
    })
    .await?;
    tx.finish(dry_run).await?;
    Ok(Ok(InstrumentImport {
        id: (!dry_run).then_some(id),
        aspects: aspects.len(),
        requirements: rows.len(),
        unchanged: false,
        dry_run,
        warnings,
    }))
}

/// The aspects and requirements of an exported table (known good), for comparison.
fn import_rows(t: &Table) -> Option<(Vec<(String, String, String)>, Vec<RequirementInput>)> {
    let mut aspects: Vec<(String, String, String)> = Vec::new();
    let mut rows = Vec::new();
    for cells in &t.rows {
        let get = |c: &str| t.cell(cells, c).to_string();
        let r = RequirementInput {
            aspect_code: get("aspek"),
            code: get("kode"),
            text_id: get("uraian"),
            text_en: get("uraian_en"),
            weight: get("bobot").parse().ok()?,
            mandatory: crate::exchange::parse_flag(&get("wajib"))?,
            evidence_kind: get("bukti"),
            evidence_kind_en: get("bukti_en"),
        };
        if !aspects.iter().any(|a| a.0 == r.aspect_code) {
            aspects.push((
                r.aspect_code.clone(),
                get("nama_aspek"),
                get("nama_aspek_en"),
            ));
        }
        rows.push(r);
    }
    Some((aspects, rows))
}
