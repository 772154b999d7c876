//! Spreadsheets in and out, through storage, on every configured backend: units (with the
//! national list's per-year columns), agents and periodic reports.

use chrono::NaiveDate;
use pantau_db::ibm::reports::{self};
use pantau_db::ibm::units::{self};
use pantau_db::ibm::{agents, targets};
use pantau_db::testing::{self, TestDb};
use pantau_db::{Actor, offices};

mod common;
use common::*;

async fn unit_and_audit_counts(t: &TestDb) -> (i64, i64) {
    let units: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_units")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let audit: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    (units, audit)
}

/// Spreadsheet import of units: dry run, all-or-nothing, idempotent by code, lossless round trip
/// through CSV and XLSX, row-level errors for bad files, and the importer's scope.
#[tokio::test]
async fn units_import_from_spreadsheets_all_or_nothing_and_round_trip() {
    use pantau_db::exchange::{self, Format, Table, units as xunits};
    for t in testing::all().await {
        seeded(&t).await;
        let sys = Actor::System("test");
        let csv = |text: &str| exchange::read(text.as_bytes()).unwrap();
        let header = "kode,nama,kode_desa,kode_satker,tahun_dibentuk,sumber_dana,nomor_sk,desa_bersinar,kawasan_prioritas";
        let good = csv(&format!(
            "{header}\nIBM-X1,Unit Satu,32.73.01.1001,BNNK-32.73,2024,apbn,SK/1,ya,tidak\n\
             IBM-X2,\"Unit Dua, Lembang\",32.04.05.2001,BNNP-32,2025,apbdes,,tidak,ya\n"
        ));
        let before = unit_and_audit_counts(&t).await;
        let dry = xunits::import(&t.db, sys, &good, 2025, true, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((dry.created, dry.dry_run), (2, true), "{}", t.label);
        assert_eq!(
            unit_and_audit_counts(&t).await,
            before,
            "{}: a dry run writes nothing",
            t.label
        );
        let done = xunits::import(&t.db, sys, &good, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((done.created, done.updated, done.unchanged), (2, 0, 0));
        let again = xunits::import(&t.db, sys, &good, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 0, 2),
            "{}: idempotent",
            t.label
        );
        let u = units::by_code(&t.db, "IBM-X2").await.unwrap();
        assert_eq!(
            (u.name.as_str(), u.priority_area, u.funding_source.as_str()),
            ("Unit Dua, Lembang", true, "apbdes")
        );

        // Export → import is lossless in both formats.
        let admin = who(&t, "admin.pusat").await;
        let exported = xunits::export(&t.db, &admin, None).await.unwrap();
        assert_eq!(exported.rows.len(), 2);
        for format in [Format::Csv, Format::Xlsx] {
            let bytes = exchange::write(&exported, format, "unit").unwrap();
            let back = exchange::read(&bytes).unwrap();
            assert_eq!(back, exported, "{}: {format:?}", t.label);
            let r = xunits::import(&t.db, sys, &back, 2025, false, &|_| {})
                .await
                .unwrap()
                .unwrap();
            assert_eq!(r.unchanged, 2, "{}: {format:?}", t.label);
        }
        // An edited row updates that unit only.
        let mut edited = exported.clone();
        edited.rows[0][1] = "Unit Satu Baru".into();
        let r = xunits::import(&t.db, sys, &edited, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.updated, r.unchanged), (1, 1));

        // Bad files: row-level errors, and the database is left as it was.
        let before = unit_and_audit_counts(&t).await;
        let bad_rows = csv(&format!(
            "{header}\nIBM-X3,Unit Tiga,32.73.01.9999,BNNK-32.73,2025,apbn,,tidak,tidak\n\
             IBM-X4,Unit Empat,32.73.01.1001,BNNK-99.99,25,hibah,,mungkin,tidak\n\
             IBM-X3,Unit Tiga Lagi,32.73.01.1001,BNNK-32.73,2025,apbn,,tidak,tidak\n\
             IBM-X5,Unit Lima,32.73.01.1001,BNNK-32.73,2025,apbn,,tidak,tidak\n"
        ));
        let errors = xunits::import(&t.db, sys, &bad_rows, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        for expected in [
            (2, "kode_desa"),
            (3, "kode_satker"),
            (3, "tahun_dibentuk"),
            (3, "sumber_dana"),
            (3, "desa_bersinar"),
            (4, "kode"),
        ] {
            assert!(
                found.contains(&expected),
                "{}: {expected:?} in {errors:?}",
                t.label
            );
        }
        assert!(
            errors.iter().all(|e| e.row != 5),
            "the good row has no error"
        );
        let wrong_columns = csv("kode,nama,desa\nIBM-X6,Unit,32.73.01.1001\n");
        let errors = xunits::import(&t.db, sys, &wrong_columns, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            !errors.iter().any(|e| e.column == "desa"),
            "a column the importer does not know is only a warning: {errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.column == "kode_desa" && e.reason.key == "xchg-column-missing")
        );
        let empty = csv(&format!("{header}\n"));
        assert!(
            xunits::import(&t.db, sys, &empty, 2025, false, &|_| {})
                .await
                .unwrap()
                .is_err()
        );
        let mut huge = format!("{header}\n");
        for i in 0..=exchange::MAX_ROWS {
            huge.push_str(&format!(
                "U{i:07},Unit,32.73.01.1001,BNNK-32.73,2025,apbn,,tidak,tidak\n"
            ));
        }
        let e = exchange::read(huge.as_bytes()).unwrap_err();
        assert_eq!(e[0].reason.key, "xchg-too-many-rows", "{e:?}");
        assert!(
            exchange::read(b"kode,nama\nA,Caf\xe9\n").is_err(),
            "not UTF-8"
        );
        assert_eq!(
            unit_and_audit_counts(&t).await,
            before,
            "{}: nothing written",
            t.label
        );

        // A district officer may import only for its own district.
        let bandung = Actor::User(&who(&t, "bnnk.bandung").await);
        let other = csv(&format!(
            "{header}\nIBM-X7,Unit Tujuh,32.04.05.2001,BNNP-32,2025,apbn,,tidak,tidak\n"
        ));
        let errors = xunits::import(&t.db, bandung, &other, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            (errors[0].row, errors[0].column.as_str()),
            (2, "kode_satker")
        );
        let template: Table = xunits::template(2025);
        let ok = xunits::import(&t.db, bandung, &template, 2025, true, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            ok.created, 1,
            "{}: the template's example row is valid",
            t.label
        );
        t.finish().await;
    }
}

/// Agents from a spreadsheet: matched by unit code and name, trainings added, all or nothing.
#[tokio::test]
async fn agents_import_from_spreadsheets_and_round_trip() {
    use pantau_db::exchange::{self, agents as xagents};
    for t in testing::all().await {
        seeded(&t).await;
        let unit = operating_unit(
            &t,
            "IBM-A1",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-05",
        )
        .await;
        let sys = Actor::System("test");
        let csv = |text: &str| exchange::read(text.as_bytes()).unwrap();
        let header = "kode_unit,nama,jenis_kelamin,peran,tahun_bergabung,aktif,telepon,pelatihan";
        let good = csv(&format!(
            "{header}\nIBM-A1,Siti  Rahma,p,ketua,2025,ya,0812,ap_dasar@2025-03-12\n\
             IBM-A1,Budi,l,anggota,2024,,,ap_dasar@2024-05-01; skrining_assist@2025-02-02\n"
        ));
        let dry = xagents::import(&t.db, sys, &good, true, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((dry.created, dry.dry_run), (2, true), "{}", t.label);
        let admin = who(&t, "admin.pusat").await;
        assert!(agents::list(&t.db, &admin, unit).await.unwrap().is_empty());
        let done = xagents::import(&t.db, sys, &good, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((done.created, done.updated, done.unchanged), (2, 0, 0));
        let list = agents::list(&t.db, &admin, unit).await.unwrap();
        let siti = list.iter().find(|a| a.full_name == "Siti Rahma").unwrap();
        assert_eq!((siti.role.as_str(), siti.trainings.len()), ("ketua", 1));
        let budi = list.iter().find(|a| a.full_name == "Budi").unwrap();
        assert_eq!(
            (budi.active, budi.trainings.len()),
            (true, 2),
            "{}",
            t.label
        );
        // Same names, other spelling of spaces and case: the same agents.
        let again = csv(&format!(
            "{header}\nIBM-A1,siti rahma,p,ketua,2025,ya,0812,ap_dasar@2025-03-12\n"
        ));
        let r = xagents::import(&t.db, sys, &again, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.created, r.updated, r.unchanged),
            (0, 1, 0),
            "{}: name kept as written, case differs",
            t.label
        );
        // Two agents of one unit may share a name: the export's id_agen tells them apart.
        let twin = agents::AgentInput {
            full_name: "Budi".into(),
            sex: "l".into(),
            role: "anggota".into(),
            phone: String::new(),
            joined_year: 2025,
            active: false,
        };
        agents::add(&t.db, sys, unit, &twin).await.unwrap();
        let by_name = csv(&format!("{header}\nIBM-A1,Budi,l,anggota,2024,,,\n"));
        let errors = xagents::import(&t.db, sys, &by_name, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            errors[0].reason.key, "xchg-agent-name-ambiguous",
            "{errors:?}"
        );
        // Export → import is lossless and changes nothing.
        let exported = xagents::export(&t.db, Actor::User(&admin)).await.unwrap();
        assert_eq!(exported.rows.len(), 3);
        for format in [exchange::Format::Csv, exchange::Format::Xlsx] {
            let back =
                exchange::read(&exchange::write(&exported, format, "agen").unwrap()).unwrap();
            assert_eq!(back, exported, "{}: {format:?}", t.label);
            let r = xagents::import(&t.db, sys, &back, false, &|_| {})
                .await
                .unwrap()
                .unwrap();
            assert_eq!(r.unchanged, 3, "{}: {format:?} round trip", t.label);
        }
        assert_eq!(
            xagents::export(&t.db, Actor::User(&admin)).await.unwrap(),
            exported
        );
        let mut edited = exported.clone();
        let twin_row = edited.rows.iter().position(|r| r[5] == "tidak").unwrap();
        edited.rows[twin_row][5] = "ya".into();
        let r = xagents::import(&t.db, sys, &edited, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.updated, r.unchanged),
            (1, 2),
            "{}: only the twin changed",
            t.label
        );
        // Bad rows, each named; nothing written.
        let count = || {
            let db = t.db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "SELECT CAST((SELECT COUNT(*) FROM ibm_agents) + (SELECT COUNT(*) FROM ibm_agent_trainings) AS BIGINT)",
                )
                .fetch_one(db.pool())
                .await
                .unwrap()
            }
        };
        let before = count().await;
        let bad = csv(&format!(
            "{header}\nIBM-TIDAK,Ani,p,ketua,2025,,,\nIBM-A1,Ani,x,ketua,2025,,,\nIBM-A1,Ina,p,bos,1999,mungkin,,\n\
             IBM-A1,Eka,p,anggota,2025,,,tidak_ada@2025-01-01\nIBM-A1,Eko,l,anggota,2025,,,ap_dasar\n\
             IBM-A1,Dedi,l,anggota,2025,,,\nIBM-A1,DEDI,l,anggota,2025,,,\n"
        ));
        let errors = xagents::import(&t.db, sys, &bad, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        for expected in [
            (2, "kode_unit"),
            (3, "jenis_kelamin"),
            (4, "peran"),
            (4, "tahun_bergabung"),
            (4, "aktif"),
            (5, "pelatihan"),
            (6, "pelatihan"),
            (8, "nama"),
        ] {
            assert!(
                found.contains(&expected),
                "{}: {expected:?} in {errors:?}",
                t.label
            );
        }
        assert!(errors.iter().all(|e| e.row != 7), "the first Dedi is fine");
        assert_eq!(count().await, before, "{}", t.label);
        // Outside the importer's district.
        let bogor = Actor::User(&who(&t, "bnnk.bogor").await);
        let errors = xagents::import(&t.db, bogor, &good, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!((errors[0].row, errors[0].column.as_str()), (2, "kode_unit"));
        assert_eq!(count().await, before, "{}", t.label);
        t.finish().await;
    }
}

/// Periodic reports from a spreadsheet: one row per line, grouped into reports by unit and
/// period; all or nothing, idempotent, lossless round trip, roll-ups kept exact.
#[tokio::test]
async fn reports_import_from_spreadsheets_and_round_trip() {
    use pantau_db::exchange::{self, reports as xreports};
    for t in testing::all().await {
        seeded(&t).await;
        let unit = operating_unit(
            &t,
            "IBM-R1",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-05",
        )
        .await;
        let sys = Actor::System("test");
        let csv = |text: &str| exchange::read(text.as_bytes()).unwrap();
        let header =
            "kode_unit,periode,jenis,kode_item,jumlah,jenis_kelamin,kelompok_umur,tingkat_risiko";
        let good = csv(&format!(
            "{header}\nIBM-R1,2025-01,kegiatan,sosialisasi,2,,,\nIBM-R1,2025-01,layanan,skrining,5,l,18_25,\n\
             IBM-R1,2025-02,layanan,rujukan,1,p,26_40,sedang\n"
        ));
        let count = |t: &TestDb| {
            let db = t.db.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_reports")
                    .fetch_one(db.pool())
                    .await
                    .unwrap()
            }
        };
        let dry = xreports::import(&t.db, sys, &good, true, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(dry.created, 2);
        assert_eq!(count(&t).await, 0, "{}: a dry run writes nothing", t.label);
        let done = xreports::import(&t.db, sys, &good, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (done.created, done.updated, done.unchanged),
            (2, 0, 0),
            "{}",
            t.label
        );
        let jan = reports::get(&t.db, sys, unit, "2025-01")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(jan.lines.len(), 2);
        let again = xreports::import(&t.db, sys, &good, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 0, 2),
            "{}: idempotent",
            t.label
        );
        let admin = who(&t, "admin.pusat").await;
        let exported = xreports::export(&t.db, &admin, 2025).await.unwrap();
        assert_eq!(exported.rows.len(), 3);
        for format in [exchange::Format::Csv, exchange::Format::Xlsx] {
            let back =
                exchange::read(&exchange::write(&exported, format, "laporan").unwrap()).unwrap();
            let r = xreports::import(&t.db, sys, &back, false, &|_| {})
                .await
                .unwrap()
                .unwrap();
            assert_eq!(r.unchanged, 2, "{}: {format:?} round trip", t.label);
        }
        let mut edited = exported.clone();
        edited.rows[0][4] = "7".into();
        let r = xreports::import(&t.db, sys, &edited, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.updated, r.unchanged), (1, 1));
        // Bad rows: each named by row and column; nothing written.
        let before = count(&t).await;
        let bad = csv(&format!(
            "{header}\nIBM-TIDAK,2025-03,kegiatan,sosialisasi,1,,,\nIBM-R1,2025-13,kegiatan,sosialisasi,1,,,\n\
             IBM-R1,2099-01,kegiatan,sosialisasi,1,,,\nIBM-R1,2025-03,rapat,sosialisasi,1,,,\n\
             IBM-R1,2025-03,kegiatan,tidak_ada,1,,,\nIBM-R1,2025-03,layanan,skrining,1,,18_25,\n\
             IBM-R1,2025-03,kegiatan,sosialisasi,dua,,,\nIBM-R1,2025-04,kegiatan,sosialisasi,1,,,\n\
             IBM-R1,2025-04,kegiatan,sosialisasi,3,,,\n"
        ));
        let errors = xreports::import(&t.db, sys, &bad, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        for expected in [
            (2, "kode_unit"),
            (3, "periode"),
            (4, "periode"),
            (5, "jenis"),
            (6, "kode_item"),
            (7, "jenis_kelamin"),
            (8, "jumlah"),
            (10, "kode_item"),
        ] {
            assert!(
                found.contains(&expected),
                "{}: {expected:?} in {errors:?}",
                t.label
            );
        }
        assert_eq!(count(&t).await, before, "{}", t.label);
        // Outside the importer's district.
        let bogor = Actor::User(&who(&t, "bnnk.bogor").await);
        let errors = xreports::import(&t.db, bogor, &good, false, &|_| {})
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(errors[0].column, "kode_unit");
        let mut conn = t.db.pool().acquire().await.unwrap();
        let maintained = pantau_db::ibm::rollup::snapshot(&mut conn).await.unwrap();
        pantau_db::ibm::rollup::rebuild(&mut conn).await.unwrap();
        assert_eq!(
            maintained,
            pantau_db::ibm::rollup::snapshot(&mut conn).await.unwrap()
        );
        drop(conn);
        t.finish().await;
    }
}

/// The whole office tree over all of Indonesia, as an empty production install has it after
/// `pantau import wilayah` and `pantau import satker`.
async fn national_install(t: &TestDb) {
    pantau_db::seed::bundled_wilayah(&t.db, pantau_core::org::AreaLevel::Village, &no_progress)
        .await
        .unwrap();
    pantau_db::seed::offices_from_csv(
        &t.db,
        Actor::System("test"),
        pantau_db::seed::bundled::OFFICES,
    )
    .await
    .unwrap();
}

fn national_admin() -> pantau_core::access::Principal {
    pantau_core::access::Principal {
        user_id: 0,
        username: "uji".into(),
        grants: vec![pantau_core::access::Grant {
            role: pantau_core::access::Role::NationalAdmin,
            office_id: 1,
            office_path: pantau_core::org::OfficePath::root(1),
            institution_id: None,
            unit_id: None,
        }],
    }
}

/// `n` real villages spread over the country: one in each BNNK's area first, then one in each
/// regency that no BNNK covers (their BNNP coaches them).
async fn villages_across_the_country(t: &TestDb, n: usize) -> Vec<String> {
    let covered: Vec<String> =
        sqlx::query_scalar("SELECT oa.area_code FROM office_areas oa JOIN offices o ON o.id = oa.office_id WHERE o.level = 'bnnk' ORDER BY oa.area_code")
            .fetch_all(t.db.pool())
            .await
            .unwrap();
    let others: Vec<String> = sqlx::query_scalar(
        "SELECT code FROM areas WHERE level = 'kabkota' AND valid_to IS NULL AND code NOT IN \
         (SELECT area_code FROM office_areas) ORDER BY code",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    let mut out = Vec::new();
    for regency in covered.iter().chain(others.iter()) {
        if out.len() == n {
            break;
        }
        let village: Option<String> = sqlx::query_scalar(
            "SELECT MIN(code) FROM areas WHERE level = 'desakel' AND valid_to IS NULL AND code LIKE $1",
        )
        .bind(format!("{regency}.%"))
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        out.extend(village);
    }
    assert_eq!(out.len(), n, "{}: enough regencies with villages", t.label);
    out
}

/// The national list as BNN holds it: code, name, village and the year's category, nothing
/// else — 252 units in 2025: 207 Berkelanjutan, 24 Berkelanjutan Mandiri, 11 Baru (priority
/// areas), 10 Baru Mandiri.
fn national_list(villages: &[String]) -> String {
    let mut csv = String::from("Kode,Nama,Kode Desa,Tahun Dibentuk,Kategori 2025\n");
    for (i, village) in villages.iter().enumerate() {
        let (category, formed) = match i {
            0..207 => ("Berkelanjutan", 2021),
            207..231 => ("Berkelanjutan Mandiri", 2022),
            231..242 => ("BARU", 2025),
            _ => ("baru_mandiri", 2025),
        };
        csv.push_str(&format!(
            "IBM-{i:03},Unit IBM {i},{village},{formed},{category}\n"
        ));
    }
    csv
}

#[tokio::test]
async fn the_national_list_of_252_units_fills_the_2025_table_in_one_import() {
    for t in testing::all().await {
        national_install(&t).await;
        let villages = villages_across_the_country(&t, 252).await;
        let file = pantau_db::exchange::read(national_list(&villages).as_bytes()).unwrap();
        let sys = Actor::System("impor");
        let done = pantau_db::exchange::units::import(&t.db, sys, &file, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.label));
        assert_eq!((done.created, done.warnings.len()), (252, 0), "{}", t.label);

        let admin = national_admin();
        let (rows, total) = targets::table(&t.db, &admin, None, 2025).await.unwrap();
        assert_eq!(
            (
                total.units,
                total.berkelanjutan,
                total.berkelanjutan_mandiri,
                total.baru,
                total.baru_mandiri
            ),
            (252, 207, 24, 11, 10),
            "{}",
            t.label
        );
        assert!(
            rows.len() > 30,
            "{}: rows per BNNP ({})",
            t.label,
            rows.len()
        );
        // Offices came from the villages; funding is not known; running units operate since
        // 1 January of their first year.
        let u = units::by_code(&t.db, "IBM-000").await.unwrap();
        assert_eq!(u.funding_source, "belum_diisi");
        assert_eq!(
            (u.status.as_str(), u.status_date.as_str()),
            ("operasional", "2025-01-01")
        );
        let covering = offices::covering(
            &t.db,
            &pantau_core::org::AreaCode::parse(&u.village_code).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(u.office_id, covering.id, "{}", t.label);

        // Again: nothing changes. Its export imports back unchanged too.
        let again = pantau_db::exchange::units::import(&t.db, sys, &file, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.unchanged, again.created, again.updated),
            (252, 0, 0),
            "{}",
            t.label
        );
        let exported = pantau_db::exchange::units::export(&t.db, &admin, None)
            .await
            .unwrap();
        assert_eq!(exported.rows.len(), 252);
        for format in [
            pantau_db::exchange::Format::Csv,
            pantau_db::exchange::Format::Xlsx,
        ] {
            let bytes = pantau_db::exchange::write(&exported, format, "unit").unwrap();
            let back = pantau_db::exchange::read(&bytes).unwrap();
            let r = pantau_db::exchange::units::import(&t.db, sys, &back, 2025, false, &|_| {})
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {format:?}: {e:?}", t.label));
            assert_eq!(r.unchanged, 252, "{}: {format:?}", t.label);
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn three_years_of_categories_and_results_fill_each_years_table_and_the_trend() {
    for t in testing::all().await {
        seeded(&t).await;
        let villages: Vec<String> = sqlx::query_scalar(
            "SELECT code FROM areas WHERE level = 'desakel' AND code LIKE '32.73.%' ORDER BY code LIMIT 12",
        )
        .fetch_all(t.db.pool())
        .await
        .unwrap();
        // Twelve units over 2023–2025, each with a target of stage 2; every third reaches only
        // stage 1, the others stage 2 or 3.
        let mut csv = String::from(
            "kode,nama,kode_desa,tahun_dibentuk,kategori_2023,tahap_target_2023,tahap_capaian_2023,\
             kategori_2024,tahap_target_2024,tahap_capaian_2024,kategori_2025,tahap_target_2025,tahap_capaian_2025\n",
        );
        for (i, v) in villages.iter().enumerate() {
            let reached = |year: i64| match (i + year as usize) % 3 {
                0 => "1",
                1 => "Operasional awal",
                _ => "3",
            };
            csv.push_str(&format!(
                "IBM-H{i:02},Unit {i},{v},2023,Baru,2,{},Berkelanjutan,2,{},Berkelanjutan,2,{}\n",
                reached(2023),
                reached(2024),
                reached(2025)
            ));
        }
        let file = pantau_db::exchange::read(csv.as_bytes()).unwrap();
        let sys = Actor::System("impor");
        let done = pantau_db::exchange::units::import(&t.db, sys, &file, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.label));
        assert_eq!(done.created, 12);
        let admin = national_admin();
        for year in [2023, 2024, 2025] {
            let (_, total) = targets::table(&t.db, &admin, None, year).await.unwrap();
            let on_target = (0..12).filter(|i| (i + year as usize) % 3 != 0).count() as i64;
            assert_eq!(
                (
                    total.units,
                    total.with_target,
                    total.assessed,
                    total.on_target
                ),
                (12, 12, 12, on_target),
                "{}: {year}",
                t.label
            );
        }
        let today = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let dash = pantau_db::dashboard::ibm(&t.db, &admin, None, 2025, today)
            .await
            .unwrap();
        for year in [2023, 2024, 2025] {
            let point = dash
                .trend
                .iter()
                .find(|p| p.year == year)
                .expect("a point per year");
            assert_eq!(
                (point.units, point.with_target),
                (12, 12),
                "{}: {year}",
                t.label
            );
            assert_eq!(
                point.on_target,
                (0..12).filter(|i| (i + year as usize) % 3 != 0).count() as i64,
                "{}: {year}",
                t.label
            );
        }
        // The results are final assessments marked as imported; the trail says who imported.
        let imported: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ibm_assessments WHERE source = 'impor' AND status = 'final'",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        assert_eq!(imported, 36);
        let trail: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'penilaian_tahap' AND action = 'import' AND username = 'sistem:impor'",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        assert_eq!(trail, 36, "{}", t.label);
        // The same file again changes nothing; an assessment made in Pantau is never replaced.
        let again = pantau_db::exchange::units::import(&t.db, sys, &file, 2025, false, &|_| {})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.unchanged, 12, "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_list_with_wrong_offices_and_years_is_refused_naming_row_column_value_and_reason() {
    for t in testing::all().await {
        seeded(&t).await;
        let this_year = chrono::Datelike::year(&chrono::Utc::now());
        let csv = format!(
            "kode,nama,kode_desa,kode_satker,tahun_dibentuk,kategori_2025,tahap_capaian_2025\n\
             IBM-W1,Unit,32.73.01.1001,BNNK-32.71,2025,baru,\n\
             IBM-W2,Unit,32.73.01.1001,,{},baru,\n\
             IBM-W3,Unit,32.73.01.1001,,2025,lanjutan,\n\
             IBM-W4,Unit,32.73.01.1001,,2025,,2\n\
             IBM-W5,Unit,32.73.01.1001,BNNK-32.73,2025,Berkelanjutan,tahap tinggi\n",
            this_year + 5
        );
        let errors = pantau_db::exchange::units::import(
            &t.db,
            Actor::System("impor"),
            &pantau_db::exchange::read(csv.as_bytes()).unwrap(),
            2025,
            true,
            &|_| {},
        )
        .await
        .unwrap()
        .unwrap_err();
        let found: Vec<(usize, &str, &str)> = errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.reason.key.as_ref()))
            .collect();
        for expected in [
            (2, "kode_satker", "xchg-office-not-covering"),
            (3, "tahun_dibentuk", "xchg-year-range"),
            (4, "kategori_2025", "xchg-one-of"),
            (5, "kategori_2025", "xchg-year-needs-category"),
            (6, "tahap_capaian_2025", "xchg-stage-unknown"),
        ] {
            assert!(
                found.contains(&expected),
                "{}: {expected:?} in {found:?}",
                t.label
            );
        }
        // The office that does cover the village is named; the accepted categories are listed.
        let wrong_office = errors.iter().find(|e| e.row == 2).unwrap();
        assert!(
            wrong_office.reason.mentions("BNNK-32.73"),
            "{wrong_office:?}"
        );
        assert_eq!(wrong_office.value, "BNNK-32.71");
        let category = errors.iter().find(|e| e.row == 4).unwrap();
        assert!(
            category.reason.mentions("berkelanjutan_mandiri"),
            "{category:?}"
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_unit_template_guides_with_lists_and_notes_and_its_example_imports() {
    for t in testing::all().await {
        seeded(&t).await;
        let bytes = pantau_db::exchange::units::template_workbook(&t.db, 2025)
            .await
            .unwrap();
        let table = pantau_db::exchange::read(&bytes).unwrap();
        assert_eq!(table.headers, pantau_db::exchange::units::columns(&[2025]));
        assert!(table.headers.contains(&"kategori_2025".to_string()));
        let done = pantau_db::exchange::units::import(
            &t.db,
            Actor::System("uji"),
            &table,
            2025,
            true,
            &|_| {},
        )
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{}: the example row imports: {e:?}", t.label));
        assert_eq!(done.created, 1);
        // Drop-down lists on the data sheet, and a notes sheet in both languages.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = |name: &str| {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
            s
        };
        let sheet = text("xl/worksheets/sheet1.xml");
        for list in [
            "Berkelanjutan Mandiri",
            "ya,tidak",
            "apbn,apbd",
            "operasional",
        ] {
            assert!(sheet.contains(list), "a drop-down list with {list}");
        }
        let workbook = text("xl/workbook.xml");
        assert!(workbook.contains("petunjuk"));
        let strings = text("xl/sharedStrings.xml");
        assert!(
            strings.contains("satker pembina diambil dari desa")
                && strings.contains("follows from the village")
        );
        t.finish().await;
    }
}
