//! Who may reach what: scope between offices, and the access table over every route.

use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pantau_core::org::AreaLevel;
use pantau_db::testing;
use pantau_db::{Actor, offices, seed};

#[tokio::test]
async fn a_bnnk_officer_cannot_read_or_change_another_district_but_its_bnnp_can() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Regency).await;
        let bandung = office_id(&t, "BNNK-32.73").await;
        let bogor = office_id(&t, "BNNK-32.71").await;
        let surabaya = office_id(&t, "BNNK-35.78").await;
        let profile = [
            ("head_name", "Kepala"),
            ("address", "Jl. Uji 1"),
            ("phone", ""),
            ("email", ""),
        ];

        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        assert_eq!(
            bnnk.get(&format!("/satker/{bandung}")).await.status,
            StatusCode::OK,
            "{}",
            t.label
        );
        assert_eq!(
            bnnk.get(&format!("/satker/{bogor}")).await.status,
            StatusCode::NOT_FOUND,
            "{}",
            t.label
        );
        assert_eq!(
            bnnk.get(&format!("/api/v1/satker/{bogor}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            bnnk.submit(&format!("/satker/{bogor}/profil"), &profile)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let csrf = bnnk.csrf.clone();
        let r = bnnk
            .put_json(
                &format!("/api/v1/satker/{bogor}/profil"),
                serde_json::json!({"address": "x", "phone": "", "email": "", "head_name": ""}),
                Some(&csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["error"], "not_found");
        assert_eq!(
            offices::get_unchecked(&t.db, bogor).await.unwrap().address,
            "",
            "{}: nothing changed",
            t.label
        );
        // Its own district is writable.
        let r = bnnk
            .submit(&format!("/satker/{bandung}/profil"), &profile)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        let mut bnnp = Client::new(&t);
        bnnp.login("bnnp.jabar").await;
        assert_eq!(
            bnnp.get(&format!("/satker/{bogor}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            bnnp.get(&format!("/api/v1/satker/{bogor}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            bnnp.submit(&format!("/satker/{bogor}/profil"), &profile)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let csrf = bnnp.csrf.clone();
        let r = bnnp.put_json(&format!("/api/v1/satker/{bogor}/profil"), serde_json::json!({"address": "Jl. API", "phone": "", "email": "", "head_name": ""}), Some(&csrf)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            offices::get_unchecked(&t.db, bogor).await.unwrap().address,
            "Jl. API"
        );
        // …but not another province's districts.
        assert_eq!(
            bnnp.get(&format!("/satker/{surabaya}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            bnnp.submit(&format!("/satker/{surabaya}/profil"), &profile)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        t.finish().await;
    }
}

/// Every route the application registers: (method, path), from its route declarations.
pub(crate) fn registered_routes() -> Vec<(String, String)> {
    let mut routes = pantau_web::routes::table();
    routes.sort();
    routes.dedup();
    routes
}

/// The access table: every route and method, who may use it. Roles in order: national admin,
/// national analyst, leadership, BNNP officer, BNNK officer, institution operator, IKAI
/// facilitator, unit reporter. Only `Public` routes answer an anonymous caller.
/// `Roles` routes do not depend on scope (lists are filtered to the caller's scope instead);
/// `Scoped` routes act on one Bandung entity (a unit, an institution and its coaching records,
/// the BNNK office, an officer's account), allowed for those roles when the entity is in the
/// user's scope — each regional role is tried with a user inside and a user outside it.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Every signed-in user.
    Signed,
    Roles([bool; 8]),
    Scoped([bool; 8]),
}

use Rule::{Public, Roles, Scoped, Signed};

const T: bool = true;
const F: bool = false;
/// Everyone who works across offices (all but institution operators and unit reporters).
const OFFICE_READERS: [bool; 8] = [T, T, T, T, T, F, T, F];
/// Every role but the unit reporter, who reaches its one unit and nothing of SNI coaching.
const EVERY_ROLE_BUT_REPORTERS: [bool; 8] = [T, T, T, T, T, T, T, F];
const AUDIT_READERS: [bool; 8] = [T, T, T, T, T, F, F, F];
/// BNN's own staff: the personal data of recovery agents is not for partners.
const PERSONAL_READERS: [bool; 8] = [T, T, T, T, T, F, F, F];
const OFFICE_WRITERS: [bool; 8] = [T, F, F, T, T, F, F, F];
const COACHING_WRITERS: [bool; 8] = [T, F, F, T, T, T, F, F];
const ADMIN: [bool; 8] = [T, F, F, F, F, F, F, F];
const COHORT_RUNNERS: [bool; 8] = [T, F, F, T, F, F, F, F];
/// A unit's records: who reads across offices, and the unit's own reporter.
const UNIT_READERS: [bool; 8] = [T, T, T, T, T, F, T, T];
/// A unit's agents (personal data): BNN's staff, and the unit's own reporter.
const UNIT_PERSONAL_READERS: [bool; 8] = [T, T, T, T, T, F, F, T];
/// A unit's reports: its officers, and its own reporter.
const UNIT_REPORTERS: [bool; 8] = [T, F, F, T, T, F, F, T];

const ACCESS: &[(&str, &str, Rule)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/static/{*path}", Public),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("GET", "/masuk", Public),
    ("POST", "/masuk", Public),
    ("POST", "/bahasa/{lang}", Public),
    // The API reference describes routes, not data.
    ("GET", "/api/openapi.json", Public),
    ("GET", "/api/docs", Public),
    ("GET", "/", Signed),
    ("GET", "/tugas/{kind}", Signed),
    ("GET", "/akun", Signed),
    ("POST", "/akun/sandi", Signed),
    ("POST", "/akun/pengingat", Signed),
    ("POST", "/akun/token", Signed),
    ("POST", "/akun/token/cabut", Signed),
    ("GET", "/audit", Roles(AUDIT_READERS)),
    ("GET", "/dasbor", Roles(OFFICE_READERS)),
    ("GET", "/ibm", Roles(OFFICE_READERS)),
    ("GET", "/ibm/laporan", Roles(OFFICE_READERS)),
    ("GET", "/ibm/kunjungan", Roles(OFFICE_READERS)),
    ("GET", "/ibm/tindak-lanjut", Roles(OFFICE_READERS)),
    ("GET", "/ibm/agen", Roles(PERSONAL_READERS)),
    ("GET", "/ibm/penilaian", Roles(OFFICE_READERS)),
    ("GET", "/sni/penilaian", Roles(OFFICE_READERS)),
    ("GET", "/sni/tindak-lanjut", Roles(OFFICE_READERS)),
    ("POST", "/ibm", Roles(OFFICE_WRITERS)),
    ("GET", "/ibm/baru", Roles(OFFICE_WRITERS)),
    ("GET", "/ibm/ekspor/{format}", Roles(OFFICE_READERS)),
    ("GET", "/ibm/impor", Roles(OFFICE_READERS)),
    ("POST", "/ibm/impor", Roles(OFFICE_WRITERS)),
    ("POST", "/ibm/impor/simpan", Roles(OFFICE_WRITERS)),
    ("GET", "/ibm/impor/proses/{id}", Roles(OFFICE_READERS)),
    ("GET", "/ibm/impor/templat/{format}", Signed),
    ("GET", "/ibm/kepatuhan", Roles(OFFICE_READERS)),
    ("GET", "/ibm/opsi-wilayah", Signed),
    ("POST", "/ibm/rollover", Roles(ADMIN)),
    ("GET", "/ibm/target", Roles(OFFICE_READERS)),
    ("GET", "/ibm/{id}", Scoped(UNIT_READERS)),
    ("POST", "/ibm/{id}/agen", Scoped(OFFICE_WRITERS)),
    ("POST", "/ibm/{id}/evaluasi", Scoped(OFFICE_WRITERS)),
    ("POST", "/ibm/{id}/kunjungan", Scoped(OFFICE_WRITERS)),
    (
        "POST",
        "/ibm/{id}/tindakan/{action}",
        Scoped(UNIT_REPORTERS),
    ),
    ("GET", "/ibm/{id}/foto/{photo}", Scoped(UNIT_READERS)),
    ("GET", "/ibm/{id}/laporan", Scoped(UNIT_READERS)),
    ("POST", "/ibm/{id}/laporan", Scoped(UNIT_REPORTERS)),
    ("POST", "/ibm/{id}/pelatihan", Scoped(OFFICE_WRITERS)),
    ("POST", "/ibm/{id}/pelapor", Scoped(OFFICE_WRITERS)),
    (
        "POST",
        "/ibm/{id}/pelapor/{user}/sandi",
        Scoped(OFFICE_WRITERS),
    ),
    ("GET", "/ibm/{id}/penilaian/{year}", Scoped(UNIT_READERS)),
    ("POST", "/ibm/{id}/penilaian/{year}", Scoped(OFFICE_WRITERS)),
    (
        "POST",
        "/ibm/{id}/penilaian/{year}/aksi",
        Scoped(OFFICE_WRITERS),
    ),
    ("POST", "/ibm/{id}/status", Scoped(OFFICE_WRITERS)),
    ("POST", "/ibm/{id}/tahun", Scoped(OFFICE_WRITERS)),
    ("POST", "/logout", Signed),
    ("POST", "/keluar", Signed),
    ("GET", "/paket", Roles(OFFICE_READERS)),
    ("GET", "/paket.xlsx", Roles(OFFICE_READERS)),
    ("GET", "/paket.pdf", Roles(OFFICE_READERS)),
    ("GET", "/ringkasan", Roles(OFFICE_READERS)),
    ("GET", "/ringkasan.pdf", Roles(OFFICE_READERS)),
    ("GET", "/ringkasan.xlsx", Roles(OFFICE_READERS)),
    ("POST", "/ringkasan/target", Roles(ADMIN)),
    ("GET", "/pengguna", Roles(AUDIT_READERS)),
    ("GET", "/pengguna/daftar", Roles(AUDIT_READERS)),
    ("POST", "/pengguna", Roles(ADMIN)),
    ("GET", "/pengguna/{id}", Scoped(AUDIT_READERS)),
    ("POST", "/pengguna/{id}/sandi", Scoped(ADMIN)),
    ("POST", "/pengguna/{id}/aktif", Scoped(ADMIN)),
    ("POST", "/pengguna/{id}/token/cabut", Scoped(ADMIN)),
    ("GET", "/referensi", Signed),
    ("POST", "/referensi/daftar", Roles(ADMIN)),
    ("POST", "/referensi/kriteria", Roles(ADMIN)),
    ("POST", "/referensi/pelaporan", Roles(ADMIN)),
    ("POST", "/referensi/batas", Roles(ADMIN)),
    ("POST", "/referensi/sni/butir", Roles(ADMIN)),
    ("POST", "/referensi/sni/impor", Roles(ADMIN)),
    ("GET", "/referensi/sni/{id}/ekspor/{format}", Signed),
    ("POST", "/referensi/tahap", Roles(ADMIN)),
    ("GET", "/satker", Signed),
    ("POST", "/satker", Roles(ADMIN)),
    // An office's page shows its staff: for those who work in its scope.
    ("GET", "/satker/{id}", Scoped(OFFICE_READERS)),
    ("POST", "/satker/{id}/profil", Scoped(OFFICE_WRITERS)),
    ("POST", "/satker/{id}/struktur", Roles(ADMIN)),
    ("POST", "/satker/{id}/wilayah", Roles(ADMIN)),
    ("GET", "/sni", Signed),
    ("GET", "/sni/bukti/{id}", Scoped(EVERY_ROLE_BUT_REPORTERS)),
    ("POST", "/sni/kohort", Roles(OFFICE_WRITERS)),
    // A cohort is run by a BNNP (or the nation): a BNNK joins its institutions' records, not the
    // cohort itself; operators of a participating institution open its page.
    ("GET", "/sni/kohort/{id}", Scoped(EVERY_ROLE_BUT_REPORTERS)),
    ("POST", "/sni/kohort/{id}/peserta", Scoped(COHORT_RUNNERS)),
    ("POST", "/sni/lembaga", Roles(OFFICE_WRITERS)),
    ("GET", "/sni/lembaga/baru", Roles(OFFICE_WRITERS)),
    ("GET", "/sni/lembaga/{id}", Scoped(EVERY_ROLE_BUT_REPORTERS)),
    (
        "POST",
        "/sni/lembaga/{id}/dokumen",
        Scoped(COACHING_WRITERS),
    ),
    (
        "POST",
        "/sni/lembaga/{id}/sertifikasi",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "GET",
        "/sni/penilaian/{id}",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
    ("POST", "/sni/penilaian/{id}", Scoped(COACHING_WRITERS)),
    ("POST", "/sni/penilaian/{id}/aksi", Scoped(COACHING_WRITERS)),
    (
        "POST",
        "/sni/penilaian/{id}/bukti/{requirement}",
        Scoped(COACHING_WRITERS),
    ),
    ("GET", "/sni/peserta/{id}", Scoped(EVERY_ROLE_BUT_REPORTERS)),
    (
        "POST",
        "/sni/peserta/{id}/penilaian",
        Scoped(COACHING_WRITERS),
    ),
    (
        "POST",
        "/sni/peserta/{id}/rekomendasi",
        Scoped(OFFICE_WRITERS),
    ),
    ("POST", "/sni/peserta/{id}/sesi", Scoped(OFFICE_WRITERS)),
    ("POST", "/sni/sertifikasi/{id}", Scoped(OFFICE_WRITERS)),
    (
        "POST",
        "/sni/tindak-lanjut/{id}/status",
        Scoped(COACHING_WRITERS),
    ),
    ("GET", "/wilayah", Signed),
    ("GET", "/wilayah/{code}", Signed),
    ("POST", "/wilayah/{code}/ganti-nama", Roles(ADMIN)),
    ("POST", "/wilayah/{code}/pemekaran", Roles(ADMIN)),
    // The JSON API: the same rules.
    ("GET", "/api/v1/me", Signed),
    ("GET", "/api/v1/me/tasks", Signed),
    ("GET", "/api/v1/users", Roles(AUDIT_READERS)),
    ("GET", "/api/v1/users/{id}", Scoped(AUDIT_READERS)),
    (
        "PUT",
        "/api/v1/ibm/agents/{id}/active",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/ibm/agents/{id}/trainings",
        Scoped(OFFICE_WRITERS),
    ),
    ("GET", "/api/v1/wilayah", Signed),
    ("GET", "/api/v1/wilayah/{code}", Signed),
    ("GET", "/api/v1/satker", Signed),
    ("GET", "/api/v1/satker/{id}", Scoped(OFFICE_READERS)),
    ("PUT", "/api/v1/satker/{id}/profil", Scoped(OFFICE_WRITERS)),
    ("GET", "/api/v1/audit", Roles(AUDIT_READERS)),
    ("GET", "/api/v1/dashboard/ibm", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/dashboard/sni", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/packs", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/summary", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/sni/targets", Roles(OFFICE_READERS)),
    ("PUT", "/api/v1/sni/targets", Roles(ADMIN)),
    ("GET", "/api/v1/exchange/dhis2", Roles(OFFICE_READERS)),
    ("POST", "/api/v1/exchange/dhis2", Roles(OFFICE_WRITERS)),
    ("GET", "/api/v1/exchange/adx", Roles(OFFICE_READERS)),
    ("POST", "/api/v1/exchange/adx", Roles(OFFICE_WRITERS)),
    ("GET", "/api/v1/exchange/values", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/exchange/mapping", Signed),
    ("PUT", "/api/v1/exchange/mapping", Roles(ADMIN)),
    ("GET", "/api/v1/ibm/units", Roles(OFFICE_READERS)),
    ("POST", "/api/v1/ibm/units", Roles(OFFICE_WRITERS)),
    ("GET", "/api/v1/ibm/units/{id}", Scoped(UNIT_READERS)),
    ("PUT", "/api/v1/ibm/units/{id}", Scoped(OFFICE_WRITERS)),
    (
        "POST",
        "/api/v1/ibm/units/{id}/status",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "PUT",
        "/api/v1/ibm/units/{id}/years/{year}",
        Scoped(OFFICE_WRITERS),
    ),
    ("PUT", "/api/v1/ibm/years/{year}", Roles(OFFICE_WRITERS)),
    (
        "GET",
        "/api/v1/ibm/units/{id}/agents",
        Scoped(UNIT_PERSONAL_READERS),
    ),
    (
        "POST",
        "/api/v1/ibm/units/{id}/agents",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/ibm/units/{id}/reports",
        Scoped(UNIT_REPORTERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/reports/{period}",
        Scoped(UNIT_READERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/compliance",
        Scoped(UNIT_READERS),
    ),
    ("GET", "/api/v1/ibm/units/{id}/visits", Scoped(UNIT_READERS)),
    (
        "POST",
        "/api/v1/ibm/units/{id}/visits",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/ibm/units/{id}/actions/{action_id}/follow-ups",
        Scoped(UNIT_REPORTERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/assessments/{year}",
        Scoped(UNIT_READERS),
    ),
    (
        "PUT",
        "/api/v1/ibm/units/{id}/assessments/{year}",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/ibm/units/{id}/assessments/{year}/actions",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "GET",
        "/api/v1/ibm/units/{id}/evaluations/{year}",
        Scoped(UNIT_READERS),
    ),
    (
        "PUT",
        "/api/v1/ibm/units/{id}/evaluations/{year}",
        Scoped(OFFICE_WRITERS),
    ),
    ("GET", "/api/v1/ibm/targets", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/ibm/compliance", Roles(OFFICE_READERS)),
    ("GET", "/api/v1/ibm/factors", Roles(OFFICE_READERS)),
    ("POST", "/api/v1/ibm/roll-over", Roles(ADMIN)),
    ("GET", "/api/v1/ibm/stages", Signed),
    ("PUT", "/api/v1/ibm/stages/{code}", Roles(ADMIN)),
    (
        "PUT",
        "/api/v1/ibm/stages/{code}/criteria/{criterion}",
        Roles(ADMIN),
    ),
    ("GET", "/api/v1/reference/{list}", Signed),
    ("PUT", "/api/v1/reference/{list}/{code}", Roles(ADMIN)),
    ("GET", "/api/v1/settings/reporting", Signed),
    ("PUT", "/api/v1/settings/reporting", Roles(ADMIN)),
    ("GET", "/api/v1/sni/institutions", Signed),
    ("POST", "/api/v1/sni/institutions", Roles(OFFICE_WRITERS)),
    (
        "GET",
        "/api/v1/sni/institutions/{id}",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
    (
        "PUT",
        "/api/v1/sni/institutions/{id}",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/sni/institutions/{id}/documents",
        Scoped(COACHING_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/institutions/{id}/certifications",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
    (
        "POST",
        "/api/v1/sni/institutions/{id}/certifications",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "PUT",
        "/api/v1/sni/certifications/{id}",
        Scoped(OFFICE_WRITERS),
    ),
    ("GET", "/api/v1/sni/certifications/expiring", Signed),
    ("GET", "/api/v1/sni/instrument", Signed),
    (
        "PUT",
        "/api/v1/sni/instrument/{id}/requirements",
        Roles(ADMIN),
    ),
    ("GET", "/api/v1/sni/cohorts", Signed),
    ("POST", "/api/v1/sni/cohorts", Roles(OFFICE_WRITERS)),
    (
        "GET",
        "/api/v1/sni/cohorts/{id}",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
    (
        "POST",
        "/api/v1/sni/cohorts/{id}/participants",
        Scoped(COHORT_RUNNERS),
    ),
    (
        "GET",
        "/api/v1/sni/participants/{id}/assessments",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
    (
        "POST",
        "/api/v1/sni/participants/{id}/assessments",
        Scoped(COACHING_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/participants/{id}/sessions",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
    (
        "POST",
        "/api/v1/sni/participants/{id}/sessions",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/participants/{id}/recommendation",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
    (
        "POST",
        "/api/v1/sni/participants/{id}/recommendation",
        Scoped(OFFICE_WRITERS),
    ),
    (
        "POST",
        "/api/v1/sni/actions/{id}/status",
        Scoped(COACHING_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/assessments/{id}",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
    (
        "PUT",
        "/api/v1/sni/assessments/{id}",
        Scoped(COACHING_WRITERS),
    ),
    (
        "POST",
        "/api/v1/sni/assessments/{id}/actions",
        Scoped(COACHING_WRITERS),
    ),
    (
        "POST",
        "/api/v1/sni/assessments/{id}/evidence/{requirement}",
        Scoped(COACHING_WRITERS),
    ),
    (
        "GET",
        "/api/v1/sni/assessments/{id}/evidence",
        Scoped(EVERY_ROLE_BUT_REPORTERS),
    ),
];

fn is_public(method: &str, path: &str) -> bool {
    ACCESS
        .iter()
        .any(|(m, p, r)| *m == method && *p == path && matches!(r, Public))
}

/// One user per role with the Bandung entities in scope, and (for regional roles) one without.
const ROLE_USERS: [(&str, Option<&str>); 8] = [
    ("admin.pusat", None),
    ("analis.pusat", None),
    ("pimpinan.pusat", None),
    ("bnnp.jabar", Some("bnnp.jatim")),
    ("bnnk.bandung", Some("bnnk.bogor")),
    ("operator.lembaga", Some("operator.lain")),
    ("fasilitator.ikai", Some("fasilitator.jatim")),
    ("pelapor.unit", Some("pelapor.lain")),
];

#[tokio::test]
async fn the_access_table_covers_every_registered_route() {
    let routes = registered_routes();
    assert!(
        routes.len() > 100,
        "the route reader finds the routes ({})",
        routes.len()
    );
    // Every registered route is in the table, once, and the table lists nothing else.
    for (method, path) in &routes {
        let listed = ACCESS.iter().any(|(m, p, _)| m == method && p == path);
        assert!(listed, "{method} {path} is missing from the access table");
    }
    for (m, p, _) in ACCESS {
        assert!(
            routes.iter().any(|(rm, rp)| rm == m && rp == p),
            "{m} {p} is in the access table but not registered"
        );
        assert_eq!(
            ACCESS
                .iter()
                .filter(|(m2, p2, _)| m2 == m && p2 == p)
                .count(),
            1,
            "{m} {p} twice"
        );
    }
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let today = pantau_db::chrono::NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        pantau_db::demo::ibm::load(&t.db, today).await.unwrap();
        pantau_db::demo::sni::load(&t.db).await.unwrap();
        // Anonymous callers are turned away from everything not public.
        let mut anon = Client::new(&t);
        for (method, path) in &routes {
            if is_public(method, path) {
                if method == "GET" {
                    let uri = path
                        .replace("{*path}", "css/pantau.css")
                        .replace("{lang}", "en");
                    let r = anon.get(&uri).await;
                    assert!(
                        r.status.is_success()
                            || (r.status.is_redirection() && !r.location().starts_with("/login")),
                        "{}: public GET {uri} gave {} to an anonymous caller",
                        t.label,
                        r.status
                    );
                }
                continue;
            }
            let concrete = path
                .replace("{*path}", "x")
                .replace("{code}", "32")
                .replace("{format}", "csv")
                .replace("{kind}", "report_late")
                .replace("{lang}", "id")
                .replace("{year}", "2026")
                .replace("{requirement}", "1")
                .replace("{user}", "1")
                .replace("{action}", "1")
                .replace("{action_id}", "1")
                .replace("{photo}", "1")
                .replace("{id}", "1");
            let req = Request::builder()
                .method(method.as_str())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("a=1"))
                .unwrap();
            let r = anon.send(req).await;
            let denied = matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                || (r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login"));
            assert!(
                denied,
                "{}: anonymous {method} {concrete} gave {}",
                t.label, r.status
            );
        }

        // The Bandung entities every scoped route acts on, and the users outside their scope.
        let one = |sql: String| {
            let db = t.db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone()))
                    .fetch_one(db.pool())
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        let bandung = office_id(&t, "BNNK-32.73").await;
        // A Bandung unit with a yearly evaluation, so that reading it finds one.
        let unit = one(format!(
            "SELECT COALESCE(MIN(e.unit_id), MIN(u.id)) FROM ibm_units u \
             LEFT JOIN ibm_evaluations e ON e.unit_id = u.id WHERE u.office_id = {bandung}"
        ))
        .await;
        let evaluation_year = one(format!(
            "SELECT COALESCE(MAX(CAST(year AS BIGINT)), 2026) FROM ibm_evaluations WHERE unit_id = {unit}"
        ))
        .await;
        let institution = one(format!(
            "SELECT MIN(id) FROM institutions WHERE office_id = {bandung}"
        ))
        .await;
        let participant = one(format!(
            "SELECT MAX(id) FROM sni_participants WHERE institution_id = {institution}"
        ))
        .await;
        let cohort = one(format!(
            "SELECT cohort_id FROM sni_participants WHERE id = {participant}"
        ))
        .await;
        let assessment = one(format!(
            "SELECT MIN(id) FROM sni_assessments WHERE participant_id = {participant}"
        ))
        .await;
        let requirement = one(format!(
            "SELECT MIN(r.id) FROM sni_requirements r JOIN sni_cohorts c ON c.instrument_id = r.instrument_id WHERE c.id = {cohort}"
        ))
        .await;
        let action = one(format!(
            "SELECT MIN(id) FROM sni_actions WHERE participant_id = {participant}"
        ))
        .await;
        let agent = one(format!(
            "SELECT MIN(id) FROM ibm_agents WHERE unit_id = {unit}"
        ))
        .await;
        let officer = pantau_db::users::by_username(&t.db, "bnnk.bandung")
            .await
            .unwrap()
            .id;
        let sys = Actor::System("test");
        let certification = pantau_db::sni::outcomes::apply_certification(
            &t.db,
            sys,
            institution,
            "sucofindo",
            "2026-05-01",
        )
        .await
        .unwrap();
        let mut admin = Client::new(&t);
        admin.login("admin.pusat").await;
        let up = admin
            .upload(
                &format!(
                    "/sni/penilaian/{assessment}/bukti/{requirement}?csrf_token={}",
                    admin.csrf
                ),
                "bukti.pdf",
                b"%PDF-1.7 bukti",
            )
            .await;
        assert!(
            up.status.is_redirection() || up.status.is_success(),
            "{}",
            up.body
        );
        let evidence = one(format!(
            "SELECT MAX(id) FROM sni_evidence WHERE assessment_id = {assessment}"
        ))
        .await;
        // A visit to the unit with a photo, leaving an action for the follow-up routes (every
        // action open before it is kept open).
        let open: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM ibm_visit_actions WHERE unit_id = {unit} AND status = 'terbuka'"
        )))
        .fetch_all(t.db.pool())
        .await
        .unwrap();
        let reviews: Vec<(String, &str)> = open
            .iter()
            .map(|a| (format!("review_{a}"), "terbuka"))
            .collect();
        let mut visit_fields: Vec<(&str, &str)> = vec![
            ("visit_date", "2026-06-15"),
            ("mode", "luring"),
            ("action_description", "Pasang papan nama"),
            ("action_owner", "Ketua unit"),
            ("action_due", "2026-07-15"),
        ];
        visit_fields.extend(reviews.iter().map(|(k, v)| (k.as_str(), *v)));
        let visited = admin
            .upload_as(
                &format!("/ibm/{unit}/kunjungan?csrf_token={}", admin.csrf),
                &visit_fields,
                "photos",
                "posko.jpg",
                &[0xFF, 0xD8, 0xFF, 0xE0, 0, 1],
            )
            .await;
        assert!(visited.status.is_redirection(), "{}", visited.body);
        let photo = one(format!(
            "SELECT MAX(id) FROM ibm_photos WHERE unit_id = {unit}"
        ))
        .await;
        let unit_action = one(format!(
            "SELECT MAX(id) FROM ibm_visit_actions WHERE unit_id = {unit}"
        ))
        .await;
        // The other operator's institution is outside Bandung and outside the cohort.
        let other_institution = one(format!(
            "SELECT MIN(id) FROM institutions WHERE office_id <> {bandung} AND id NOT IN \
             (SELECT institution_id FROM sni_participants WHERE cohort_id = {cohort})"
        ))
        .await;
        let other_office = one(format!(
            "SELECT office_id FROM institutions WHERE id = {other_institution}"
        ))
        .await;
        let jatim = office_id(&t, "BNNP-35").await;
        // The demo reporter reports for the unit the scoped routes act on; the other reporter
        // for another unit of the same office (narrowed to the unit, not to the office).
        let reporter = pantau_db::users::by_username(&t.db, "pelapor.unit")
            .await
            .unwrap()
            .id;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE grants SET unit_id = {unit} WHERE user_id = {reporter}"
        )))
        .execute(t.db.pool())
        .await
        .unwrap();
        let other_unit = one(format!(
            "SELECT MIN(id) FROM ibm_units WHERE office_id = {bandung} AND id <> {unit}"
        ))
        .await;
        pantau_db::users::create_unit_reporter(
            &t.db,
            sys,
            other_unit,
            "pelapor.lain".into(),
            "Pelapor lain".into(),
            String::new(),
            seed::DEMO_PASSWORD.into(),
        )
        .await
        .unwrap();
        for (username, role, office, institution_id) in [
            (
                "operator.lain",
                pantau_core::access::Role::InstitutionOperator,
                other_office,
                Some(other_institution),
            ),
            (
                "fasilitator.jatim",
                pantau_core::access::Role::IkaiFacilitator,
                jatim,
                None,
            ),
        ] {
            pantau_db::users::create(
                &t.db,
                sys,
                pantau_db::users::NewUser {
                    username: username.into(),
                    full_name: username.into(),
                    email: String::new(),
                    password: seed::DEMO_PASSWORD.into(),
                    grants: vec![(role, office)],
                    institution_id,
                    unit_id: None,
                },
            )
            .await
            .unwrap();
        }
        let concrete = |path: &str| -> String {
            let id = if path.contains("/ibm/")
                && path.contains("{id}")
                && !path.contains("agents/{id}")
            {
                unit
            } else if path.contains("lembaga/{id}") || path.contains("institutions/{id}") {
                institution
            } else if path.contains("peserta/{id}") || path.contains("participants/{id}") {
                participant
            } else if path.contains("kohort/{id}") || path.contains("cohorts/{id}") {
                cohort
            } else if path.contains("penilaian/{id}") || path.contains("assessments/{id}") {
                assessment
            } else if path.contains("tindak-lanjut/{id}") || path.contains("actions/{id}") {
                action
            } else if path.contains("sertifikasi/{id}") || path.contains("certifications/{id}") {
                certification
            } else if path.contains("bukti/{id}") {
                evidence
            } else if path.contains("pengguna/{id}") || path.contains("users/{id}") {
                officer
            } else if path.contains("agents/{id}") {
                agent
            } else if path.contains("satker/{id}") {
                bandung
            } else {
                1
            };
            let year = if path.contains("evaluations") {
                evaluation_year
            } else {
                2026
            };
            path.replace("{id}", &id.to_string())
                .replace("{user}", &reporter.to_string())
                .replace("{action}", &unit_action.to_string())
                .replace("{action_id}", &unit_action.to_string())
                .replace("{photo}", &photo.to_string())
                .replace("{year}", &year.to_string())
                .replace("{requirement}", &requirement.to_string())
                .replace("/wilayah/{code}", "/wilayah/32.73")
                .replace("/reference/{list}/{code}", "/reference/obstacle/uji")
                .replace("{list}", "obstacle")
                .replace("/stages/{code}", "/stages/uji")
                .replace("{criterion}", "uji")
                .replace("{period}", "2026-01")
                .replace("{format}", "csv")
                .replace("{kind}", "report_late")
        };
        let mut wrong = Vec::new();
        let mut checked = 0;
        for (role, (inside, outside)) in ROLE_USERS.iter().enumerate() {
            for (username, in_scope) in [(*inside, true)]
                .into_iter()
                .chain(outside.map(|o| (o, false)))
            {
                let mut c = Client::new(&t);
                c.login(username).await;
                // Signing out ends the session: tried last (and signed in again after).
                let signs_out = |p: &str| p == "/logout" || p == "/keluar";
                let mut order: Vec<&(&str, &str, Rule)> =
                    ACCESS.iter().filter(|(_, p, _)| !signs_out(p)).collect();
                order.extend(ACCESS.iter().filter(|(_, p, _)| signs_out(p)));
                for (method, path, rule) in order {
                    let expected = match rule {
                        // Reachable without signing in: checked below, anonymously.
                        Public => continue,
                        Signed => true,
                        Roles(r) => r[role],
                        Scoped(r) => r[role] && in_scope,
                    };
                    let mut uri = concrete(path);
                    if path.ends_with("/ibm/targets") || path.ends_with("/ibm/factors") {
                        uri.push_str("?year=2026");
                    }
                    let r = match (*method, path.starts_with("/api/")) {
                        ("GET", _) => c.get(&uri).await,
                        (m, true) => c.api(m, &uri, serde_json::json!({})).await,
                        (_, false) => c.submit(&uri, &[]).await,
                    };
                    checked += 1;
                    if signs_out(path) {
                        // Signing out answers like a refusal (to the login page): check that the
                        // session is gone instead.
                        let gone = c.get("/akun").await;
                        if !(r.status == StatusCode::SEE_OTHER
                            && gone.location().starts_with("/login"))
                        {
                            wrong.push(format!(
                                "{username} could not sign out at {path} ({})",
                                r.status
                            ));
                        }
                        c.login(username).await;
                        continue;
                    }

                    let denied = matches!(
                        r.status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                    ) || (r.status == StatusCode::SEE_OTHER
                        && r.location().starts_with("/login"));
                    if r.status.is_server_error() || denied == expected {
                        wrong.push(format!(
                            "{username} {method} {uri} gave {} (table: {})",
                            r.status,
                            if expected { "allow" } else { "deny" }
                        ));
                    }
                }
            }
        }
        assert!(checked > 1500, "{checked}");
        assert!(
            wrong.is_empty(),
            "{}: {} wrong: {wrong:#?}",
            t.label,
            wrong.len()
        );
        t.finish().await;
    }
}
