//! Tables shown on pages, as spreadsheets: the same rows the reader sees, in the same scope.

use super::Table;
use crate::ibm::reports::Compliance;
use pantau_core::ibm::TargetRow;

/// The target-versus-achievement table with its total as the last row.
pub fn targets(rows: &[TargetRow], total: &TargetRow, total_label: &str) -> Table {
    let mut t = Table::new(&[
        "wilayah",
        "unit",
        "berkelanjutan",
        "berkelanjutan_mandiri",
        "baru",
        "baru_mandiri",
        "dengan_target",
        "dinilai",
        "capai_target",
        "persen_capai_target",
    ]);
    for (label, r) in rows
        .iter()
        .map(|r| (r.label.as_str(), r))
        .chain([(total_label, total)])
    {
        t.rows.push(vec![
            label.to_string(),
            r.units.to_string(),
            r.berkelanjutan.to_string(),
            r.berkelanjutan_mandiri.to_string(),
            r.baru.to_string(),
            r.baru_mandiri.to_string(),
            r.with_target.to_string(),
            r.assessed.to_string(),
            r.on_target.to_string(),
            r.on_target_pct().map(|p| p.to_string()).unwrap_or_default(),
        ]);
    }
    t
}

/// Reporting compliance per unit: code, name, and the counts of the year so far.
pub fn compliance(rows: &[(String, String, &Compliance)]) -> Table {
    let mut t = Table::new(&[
        "kode_unit",
        "nama_unit",
        "tepat_waktu",
        "terlambat",
        "belum_masuk",
        "berhenti_melapor",
    ]);
    for (code, name, c) in rows {
        t.rows.push(vec![
            code.clone(),
            name.clone(),
            c.on_time.to_string(),
            c.late.to_string(),
            c.missing.to_string(),
            super::flag_text(c.silent),
        ]);
    }
    t
}

/// A cohort's progress, one row per participant the reader may see: the furthest assessment,
/// the baseline and latest scores with the improvement, each aspect before and after, and the
/// outcome so far.
pub fn cohort(d: &crate::sni::cohorts::Dashboard) -> Table {
    let pct = |v: Option<f64>| v.map(|p| format!("{p:.1}")).unwrap_or_default();
    let mut headers: Vec<String> = [
        "lembaga",
        "kepemilikan",
        "provinsi",
        "tahap",
        "status",
        "skor_awal",
        "skor_terakhir",
        "peningkatan",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for a in &d.aspects {
        headers.push(format!("{}_awal", a.code));
        headers.push(format!("{}_terakhir", a.code));
    }
    for h in [
        "lulus",
        "direkomendasikan",
        "tersertifikasi",
        "tindak_lanjut_terbuka",
        "tindak_lanjut_lewat",
    ] {
        headers.push(h.to_string());
    }
    let mut t = Table {
        headers,
        rows: Vec::new(),
    };
    for r in &d.rows {
        let mut row = vec![
            r.participant.institution_name.clone(),
            r.participant.ownership.clone(),
            r.participant.province_code.clone(),
            r.stage.clone().unwrap_or_default(),
            r.stage_status.clone().unwrap_or_default(),
            pct(r.baseline_pct),
            pct(r.latest_pct),
            pct(r.improvement),
        ];
        for a in &d.aspects {
            let (before, after) = r.aspects.get(&a.id).copied().unwrap_or((None, None));
            row.push(pct(before));
            row.push(pct(after));
        }
        row.extend([
            super::flag_text(r.passes),
            super::flag_text(r.recommended),
            super::flag_text(r.certified),
            r.open_actions.to_string(),
            r.overdue_actions.to_string(),
        ]);
        t.rows.push(row);
    }
    t
}

/// A list of units as filtered on the unit list: the columns shown there, with codes beside
/// names so the file can be matched against other lists.
pub fn units(units: &[crate::ibm::units::Unit]) -> Table {
    let mut t = Table::new(&[
        "kode_unit",
        "nama_unit",
        "kode_desa",
        "desa",
        "satker_pembina",
        "tahun_dibentuk",
        "sumber_dana",
        "status",
    ]);
    for u in units {
        t.rows.push(vec![
            u.code.clone(),
            u.name.clone(),
            u.village_code.clone(),
            u.village_name.clone(),
            u.office_name.clone(),
            u.year_formed.to_string(),
            u.funding_source.clone(),
            u.status.clone(),
        ]);
    }
    t
}
