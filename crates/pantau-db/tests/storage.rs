//! Storage behaviour on every configured backend (SQLite always; PostgreSQL when
//! PANTAU_TEST_POSTGRES_URL is set).

use pantau_core::access::{Permission, Role};
use pantau_core::org::{AreaCode, AreaLevel, OfficeLevel};
use pantau_db::offices::{self, OfficeProfile, OfficeStructure};
use pantau_db::testing::{self, TestDb};
use pantau_db::users::{self, NewUser};
use pantau_db::{Actor, DbError, audit, seed, sessions, wilayah};

fn no_progress(_: AreaLevel, _: u64, _: u64) {}

/// Areas down to kabupaten/kota, the office tree and the demo users: enough for scope tests.
async fn seeded(t: &TestDb) {
    seed::bundled_wilayah(&t.db, AreaLevel::Regency, &no_progress)
        .await
        .unwrap();
    seed::offices_from_csv(&t.db, Actor::System("test"), seed::bundled::OFFICES)
        .await
        .unwrap();
    seed::demo_users(&t.db).await.unwrap();
}

async fn principal_of(t: &TestDb, username: &str) -> pantau_core::access::Principal {
    let u = users::by_username(&t.db, username).await.unwrap();
    users::principal(&t.db, u.id).await.unwrap()
}

#[tokio::test]
async fn the_full_kemendagri_import_has_every_level_and_is_idempotent() {
    for t in testing::all().await {
        let inserted = seed::bundled_wilayah(&t.db, AreaLevel::Village, &no_progress)
            .await
            .unwrap();
        let expected = wilayah::LevelCounts {
            provinces: 38,
            regencies: 514,
            districts: 7_285,
            villages: 83_762,
        };
        assert_eq!(inserted, expected, "{}", t.label);
        assert_eq!(
            wilayah::counts(&t.db).await.unwrap(),
            expected,
            "{}",
            t.label
        );
        let again = seed::bundled_wilayah(&t.db, AreaLevel::Village, &no_progress)
            .await
            .unwrap();
        assert_eq!(again.total(), 0, "{}: re-import inserts nothing", t.label);
        let bandung = AreaCode::parse("32.73").unwrap();
        let (kecamatan, total) = wilayah::children(&t.db, Some(&bandung), None, 100, 0)
            .await
            .unwrap();
        assert_eq!(total as usize, kecamatan.len());
        assert!(
            kecamatan
                .iter()
                .all(|k| k.parent_code.as_deref() == Some("32.73"))
        );
        let (found, _) = wilayah::children(&t.db, None, Some("jawa"), 100, 0)
            .await
            .unwrap();
        assert_eq!(found.len(), 3, "{}: Jawa Barat, Tengah, Timur", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn malformed_area_files_are_refused_whole() {
    for t in testing::all().await {
        let files = wilayah::WilayahFiles {
            provinces: "code,name\n11,Aceh\n".as_bytes(),
            regencies: "code,province_code,name\n11.01,11,Aceh Selatan\n12.01,11,Salah Induk\n"
                .as_bytes(),
            districts: "".as_bytes(),
            villages: "".as_bytes(),
        };
        let err = wilayah::import(&t.db, files, AreaLevel::Village, &no_progress)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DbError::Invalid(ref m) if m.mentions("baris 3")),
            "{}: {err}",
            t.label
        );
        assert_eq!(
            wilayah::counts(&t.db).await.unwrap().total(),
            0,
            "{}: nothing kept",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_office_tree_has_one_pusat_34_bnnp_and_173_bnnk() {
    for t in testing::all().await {
        seeded(&t).await;
        let counts = offices::count_by_level(&t.db).await.unwrap();
        assert_eq!(
            counts,
            vec![
                ("bnnk".to_string(), 173),
                ("bnnp".to_string(), 34),
                ("pusat".to_string(), 1)
            ],
            "{}",
            t.label
        );
        // Every BNNK sits under a BNNP whose provinces contain the BNNK's kabupaten/kota.
        for o in offices::directory(&t.db)
            .await
            .unwrap()
            .iter()
            .filter(|o| o.level == "bnnk")
        {
            let parent = offices::get_unchecked(&t.db, o.parent_id.unwrap())
                .await
                .unwrap();
            assert_eq!(parent.level(), Some(OfficeLevel::Bnnp));
            let kab = offices::areas(&t.db, o.id).await.unwrap();
            let provs = offices::areas(&t.db, parent.id).await.unwrap();
            assert_eq!(kab.len(), 1);
            assert!(
                provs
                    .iter()
                    .any(|(p, _)| kab[0].0.starts_with(&format!("{p}."))),
                "{}",
                o.code
            );
            assert!(
                !kab[0].1.is_empty(),
                "{}: covered area {} exists",
                t.label,
                kab[0].0
            );
        }
        // A village resolves to the most specific office covering it.
        let desa = AreaCode::parse("32.73.01.1001").unwrap();
        let cover = offices::covering(&t.db, &desa).await.unwrap().unwrap();
        assert_eq!(cover.code, "BNNK-32.73");
        let cover = offices::covering(&t.db, &AreaCode::parse("32.04.01").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            cover.code, "BNNP-32",
            "{}: no BNNK for Kabupaten Bandung in the seed",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn office_reads_and_writes_follow_the_grant_subtree() {
    for t in testing::all().await {
        seeded(&t).await;
        let bandung = offices::by_code(&t.db, "BNNK-32.73").await.unwrap();
        let bogor = offices::by_code(&t.db, "BNNK-32.71").await.unwrap();
        let surabaya = offices::by_code(&t.db, "BNNK-35.78").await.unwrap();
        let bnnk = principal_of(&t, "bnnk.bandung").await;
        let bnnp = principal_of(&t, "bnnp.jabar").await;

        assert!(offices::get(&t.db, &bnnk, bandung.id).await.is_ok());
        assert!(matches!(
            offices::get(&t.db, &bnnk, bogor.id).await,
            Err(DbError::Forbidden(_))
        ));
        assert!(offices::get(&t.db, &bnnp, bogor.id).await.is_ok());
        assert!(matches!(
            offices::get(&t.db, &bnnp, surabaya.id).await,
            Err(DbError::Forbidden(_))
        ));

        let profile = OfficeProfile {
            address: "Jl. Riau 1".into(),
            phone: "022-1".into(),
            ..Default::default()
        };
        let before = audit::count(&t.db).await.unwrap();
        let denied = offices::update_profile(&t.db, Actor::User(&bnnk), bogor.id, &profile).await;
        assert!(matches!(denied, Err(DbError::Forbidden(_))), "{}", t.label);
        assert_eq!(
            audit::count(&t.db).await.unwrap(),
            before,
            "{}: a refused write leaves no entry",
            t.label
        );
        let unchanged = offices::get_unchecked(&t.db, bogor.id).await.unwrap();
        assert_eq!(unchanged.address, "");

        let updated = offices::update_profile(&t.db, Actor::User(&bnnp), bogor.id, &profile)
            .await
            .unwrap();
        assert_eq!(updated.address, "Jl. Riau 1");
        assert_eq!(
            audit::count(&t.db).await.unwrap(),
            before + 1,
            "{}",
            t.label
        );

        // The BNNK officer's list of readable offices is its own only; the BNNP's is its province.
        assert_eq!(offices::in_scope(&t.db, &bnnk).await.unwrap().len(), 1);
        let jabar = offices::in_scope(&t.db, &bnnp).await.unwrap();
        assert!(
            jabar.len() > 1
                && jabar
                    .iter()
                    .all(|o| o.code == "BNNP-32" || o.code.starts_with("BNNK-32."))
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn every_write_leaves_an_audit_entry_with_before_and_after() {
    for t in testing::all().await {
        seeded(&t).await;
        let admin = principal_of(&t, "admin.pusat").await;
        let act = Actor::User(&admin);
        let bandung = offices::by_code(&t.db, "BNNK-32.73").await.unwrap();
        let jabar = offices::by_code(&t.db, "BNNP-32").await.unwrap();
        let mut expected = audit::count(&t.db).await.unwrap();

        let profile = OfficeProfile {
            head_name: "Kepala Baru".into(),
            ..Default::default()
        };
        offices::update_profile(&t.db, act, bandung.id, &profile)
            .await
            .unwrap();
        expected += 1;
        let s = OfficeStructure {
            code: "BNNK-32.04".into(),
            level: OfficeLevel::Bnnk,
            name: "BNN Kabupaten Bandung".into(),
            parent_id: Some(jabar.id),
            active: true,
        };
        let created = offices::create(&t.db, act, &s).await.unwrap();
        expected += 1;
        offices::set_areas(&t.db, act, created.id, &[AreaCode::parse("32.04").unwrap()])
            .await
            .unwrap();
        expected += 1;
        let renamed = OfficeStructure {
            name: "BNN Kab. Bandung".into(),
            ..s.clone()
        };
        offices::update_structure(&t.db, act, created.id, &renamed)
            .await
            .unwrap();
        expected += 1;
        let user = users::create(
            &t.db,
            act,
            NewUser {
                username: "petugas.baru".into(),
                full_name: "Petugas Baru".into(),
                email: String::new(),
                password: "Rahasia-Kuat-77".into(),
                grants: vec![(Role::BnnkOfficer, created.id)],
                institution_id: None,
                unit_id: None,
            },
        )
        .await
        .unwrap();
        expected += 1;
        users::set_password(&t.db, act, user.id, "Rahasia-Lain-88")
            .await
            .unwrap();
        expected += 1;
        wilayah::rename(
            &t.db,
            act,
            &AreaCode::parse("32.73").unwrap(),
            "Kota Bandung Raya",
            "2026-01-01",
        )
        .await
        .unwrap();
        expected += 1;
        assert_eq!(audit::count(&t.db).await.unwrap(), expected, "{}", t.label);

        let (entries, total) = audit::list(
            &t.db,
            &admin,
            &audit::AuditFilter {
                entity: Some("satker".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(total >= 3);
        let update = entries
            .iter()
            .find(|e| e.entity_id == bandung.id.to_string() && e.action == "update")
            .unwrap();
        assert_eq!(update.username, "admin.pusat");
        assert_eq!(update.before.as_ref().unwrap()["head_name"], "");
        assert_eq!(update.after.as_ref().unwrap()["head_name"], "Kepala Baru");
        // `updated_at` has one-second resolution, so it may or may not differ here.
        let changed: Vec<String> = update
            .changed_fields()
            .into_iter()
            .filter(|f| f != "updated_at")
            .collect();
        assert_eq!(changed, vec!["head_name".to_string()]);
        let pw = audit::list(
            &t.db,
            &admin,
            &audit::AuditFilter {
                action: Some("set_password".into()),
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
        assert!(
            !pw[0].after.as_ref().unwrap().to_string().contains("argon2"),
            "no hash in the audit log"
        );

        // Scoped reading: the Bogor officer does not see Bandung's entries; the BNNP officer does.
        let bogor = principal_of(&t, "bnnk.bogor").await;
        let (mine, _) = audit::list(
            &t.db,
            &bogor,
            &audit::AuditFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let bogor_path = offices::by_code(&t.db, "BNNK-32.71").await.unwrap().path;
        assert!(
            mine.iter().all(|e| e
                .office_path
                .as_deref()
                .is_some_and(|p| p.starts_with(&bogor_path))),
            "{}",
            t.label
        );
        let bnnp = principal_of(&t, "bnnp.jabar").await;
        let (theirs, _) = audit::list(
            &t.db,
            &bnnp,
            &audit::AuditFilter {
                entity_id: Some(bandung.id.to_string()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(!theirs.is_empty());
        t.finish().await;
    }
}

#[tokio::test]
async fn a_rename_keeps_the_old_name_in_history_and_a_split_links_the_parts() {
    for t in testing::all().await {
        seeded(&t).await;
        let code = AreaCode::parse("32.73").unwrap();
        wilayah::rename(
            &t.db,
            Actor::System("test"),
            &code,
            "Kota Kembang",
            "2026-02-01",
        )
        .await
        .unwrap();
        assert_eq!(
            wilayah::get(&t.db, &code).await.unwrap().name,
            "Kota Kembang"
        );
        let (rows, links) = wilayah::history(&t.db, &code).await.unwrap();
        assert_eq!(rows.len(), 2, "{}", t.label);
        assert_eq!(rows[0].name, "Kota Bandung");
        assert_eq!(rows[0].valid_to.as_deref(), Some("2026-02-01"));
        assert_eq!(links[0].kind, "rename");
        let err = wilayah::rename(&t.db, Actor::System("test"), &code, "X", "1999-01-01")
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::Invalid(_)));

        let papua = AreaCode::parse("91.03").unwrap();
        let parts = vec![
            (
                AreaCode::parse("91.03").unwrap(),
                "Jayapura Induk".to_string(),
            ),
            (
                AreaCode::parse("91.90").unwrap(),
                "Jayapura Pemekaran".to_string(),
            ),
        ];
        wilayah::split(&t.db, Actor::System("test"), &papua, &parts, "2026-03-01")
            .await
            .unwrap();
        assert_eq!(
            wilayah::get(&t.db, &AreaCode::parse("91.90").unwrap())
                .await
                .unwrap()
                .parent_code
                .as_deref(),
            Some("91")
        );
        let (_, links) = wilayah::history(&t.db, &AreaCode::parse("91.90").unwrap())
            .await
            .unwrap();
        assert_eq!(links[0].from_code, "91.03");

        // Reference data is national: a BNNP officer may not rename.
        let bnnp = principal_of(&t, "bnnp.jabar").await;
        let err = wilayah::rename(&t.db, Actor::User(&bnnp), &code, "Y", "2026-05-01")
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::Forbidden(_)), "{}", t.label);
        t.finish().await;
    }
}

#[tokio::test]
async fn users_authenticate_and_sessions_expire() {
    for t in testing::all().await {
        seeded(&t).await;
        assert!(
            users::authenticate(&t.db, "bnnk.bandung", seed::DEMO_PASSWORD)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            users::authenticate(&t.db, "BNNK.Bandung", seed::DEMO_PASSWORD)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            users::authenticate(&t.db, "bnnk.bandung", "wrong-password-1")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            users::authenticate(&t.db, "nobody.here", seed::DEMO_PASSWORD)
                .await
                .unwrap()
                .is_none()
        );

        let u = users::by_username(&t.db, "bnnk.bandung").await.unwrap();
        let (token, s) = sessions::create(&t.db, u.id, "127.0.0.1", "test")
            .await
            .unwrap();
        let found = sessions::lookup(&t.db, &token).await.unwrap().unwrap();
        assert_eq!(found.user_id, u.id);
        assert_eq!(found.csrf_token, s.csrf_token);
        assert!(
            sessions::lookup(&t.db, &sessions::random_token())
                .await
                .unwrap()
                .is_none()
        );
        sessions::age_for_test(&t.db, &token, sessions::IDLE_LIFETIME_SECS + 5)
            .await
            .unwrap();
        assert!(
            sessions::lookup(&t.db, &token).await.unwrap().is_none(),
            "{}: idle session ends",
            t.label
        );

        // A BNNK officer may not create users, nor may anyone grant a national role below pusat.
        let bnnk = principal_of(&t, "bnnk.bandung").await;
        let bandung = offices::by_code(&t.db, "BNNK-32.73").await.unwrap();
        let new = || NewUser {
            username: "x.user".into(),
            full_name: "X".into(),
            email: String::new(),
            password: "Kuat-Sekali-99".into(),
            grants: vec![(Role::BnnkOfficer, bandung.id)],
            institution_id: None,
            unit_id: None,
        };
        assert!(matches!(
            users::create(&t.db, Actor::User(&bnnk), new()).await,
            Err(DbError::Forbidden(_))
        ));
        let admin = principal_of(&t, "admin.pusat").await;
        let mut bad = new();
        bad.grants = vec![(Role::NationalAdmin, bandung.id)];
        assert!(matches!(
            users::create(&t.db, Actor::User(&admin), bad).await,
            Err(DbError::Invalid(_))
        ));
        let mut weak = new();
        weak.password = "short".into();
        assert!(matches!(
            users::create(&t.db, Actor::User(&admin), weak).await,
            Err(DbError::Invalid(_))
        ));
        users::create(&t.db, Actor::User(&admin), new())
            .await
            .unwrap();
        assert!(
            matches!(
                users::create(&t.db, Actor::User(&admin), new()).await,
                Err(DbError::Conflict(_))
            ),
            "{}",
            t.label
        );
        assert!(
            principal_of(&t, "x.user")
                .await
                .can(Permission::WriteData, &bandung.office_path())
        );
        t.finish().await;
    }
}

/// A backup taken while the database is in use restores to exactly that state.
#[tokio::test]
async fn a_backup_restores_the_data_as_it_was() {
    use pantau_db::backup;
    for t in testing::all().await {
        seeded(&t).await;
        let dir =
            std::env::temp_dir().join(format!("pantau_backup_{}_{}", t.label, std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("cadangan.bak");
        let _ = std::fs::remove_file(&file);
        let count = |db: &pantau_db::Db| {
            let db = db.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT CAST(COUNT(*) AS BIGINT) FROM offices")
                    .fetch_one(db.pool())
                    .await
                    .unwrap()
            }
        };
        let before = count(&t.db).await;
        assert!(before > 200);
        let (url, schema) = match t.postgres_target() {
            Some((u, s)) => (u.to_string(), Some(s.to_string())),
            None => (t.sqlite_file().unwrap().display().to_string(), None),
        };
        if schema.is_some()
            && std::process::Command::new("pg_dump")
                .arg("--version")
                .output()
                .is_err()
        {
            eprintln!("!!! pg_dump not installed: PostgreSQL backup test SKIPPED !!!");
            t.finish().await;
            continue;
        }
        let info = backup::backup(&t.db, &url, schema.as_deref(), &file)
            .await
            .unwrap();
        assert!(
            info.bytes > 0 && info.migrations >= 5,
            "{}: {info:?}",
            t.label
        );
        assert!(
            backup::backup(&t.db, &url, schema.as_deref(), &file)
                .await
                .is_err(),
            "never overwrites"
        );
        // Changes after the backup are undone by the restore.
        sqlx::query("DELETE FROM office_areas")
            .execute(t.db.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE offices SET name = 'diubah'")
            .execute(t.db.pool())
            .await
            .unwrap();
        let restored = match t.postgres_target() {
            Some(_) => {
                let restore_url =
                    format!("{url}?options=-csearch_path%3D{}", schema.clone().unwrap());
                backup::restore(&restore_url, &file).await.unwrap();
                t.db.clone()
            }
            None => {
                let target = dir.join("pulih.db");
                backup::restore(target.to_str().unwrap(), &file)
                    .await
                    .unwrap();
                pantau_db::Db::connect(target.to_str().unwrap())
                    .await
                    .unwrap()
            }
        };
        assert_eq!(count(&restored).await, before, "{}", t.label);
        let renamed: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM offices WHERE name = 'diubah'",
        )
        .fetch_one(restored.pool())
        .await
        .unwrap();
        assert_eq!(renamed, 0, "{}", t.label);
        // A file that is not a Pantau backup is refused before anything is touched.
        if t.postgres_target().is_none() {
            let junk = dir.join("bukan.db");
            std::fs::write(&junk, b"bukan basis data").unwrap();
            assert!(
                backup::restore(dir.join("lain.db").to_str().unwrap(), &junk)
                    .await
                    .is_err()
            );
            assert!(!dir.join("lain.db").exists());
            restored.close().await;
        }
        let _ = std::fs::remove_dir_all(&dir);
        t.finish().await;
    }
}

#[tokio::test]
async fn servers_starting_together_on_one_postgresql_migrate_it_once() {
    let Ok(url) = std::env::var(pantau_db::testing::POSTGRES_ENV) else {
        return;
    };
    let schema = format!("m_{}", &pantau_db::sessions::random_token()[..12]);
    let a = pantau_db::Db::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let b = pantau_db::Db::connect_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    let (ran_a, ran_b) = tokio::join!(pantau_db::migrate::run(&a), pantau_db::migrate::run(&b));
    let (ran_a, ran_b) = (ran_a.unwrap(), ran_b.unwrap());
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations")
        .fetch_one(a.pool())
        .await
        .unwrap();
    assert_eq!(ran_a + ran_b, recorded as usize, "each migration ran once");
    assert!(
        ran_a == 0 || ran_b == 0,
        "one server migrated, the other waited"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(a.pool())
        .await
        .unwrap();
}
