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
