//! Work from the field (issue 17): a unit's reporter follows up an open action with a note and
//! photos between visits, the officer records a visit with photos; photos are checked by their
//! bytes, bounded, kept outside the web root and read back only within the unit's scope; a
//! refused write leaves no file behind. On both databases.

use pantau_core::access::Principal;
use pantau_db::DbError;
use pantau_db::files::FileStore;
use pantau_db::ibm::follow_ups;
use pantau_db::ibm::photos::{self, PhotoUpload};
use pantau_db::ibm::visits::{self, ActionInput, VisitInput};
use pantau_db::testing;
use pantau_db::{Actor, users};

mod common;
use common::*;

/// A follow-up by `who` of `action` named through `unit`: done or not, a note, photos.
async fn follow_up(
    t: &testing::TestDb,
    store: &FileStore,
    who: &Principal,
    (unit, action): (i64, i64),
    done: bool,
    note: &str,
    photos: &[PhotoUpload],
) -> Result<i64, DbError> {
    follow_ups::record(
        &t.db,
        store,
        Actor::User(who),
        unit,
        action,
        done,
        note,
        photos,
    )
    .await
}

/// The smallest JPEG start the store recognises, with some bytes after it.
fn jpeg(tag: u8) -> PhotoUpload {
    PhotoUpload {
        file_name: "bukti kegiatan.jpeg".into(),
        bytes: vec![0xFF, 0xD8, 0xFF, 0xE0, tag, 1, 2, 3],
    }
}

#[tokio::test]
async fn a_reporter_follows_up_its_units_open_actions_with_photos_seen_only_within_scope() {
    for t in testing::all().await {
        seeded(&t).await;
        let dir =
            std::env::temp_dir().join(format!("pantau-photos-{}-{}", std::process::id(), t.label));
        let _ = std::fs::remove_dir_all(&dir);
        let store = FileStore::new(&dir);
        let mine = operating_unit(
            &t,
            "IBM-F1",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-05",
        )
        .await;
        let other = operating_unit(
            &t,
            "IBM-F2",
            "32.73.01.1001",
            "BNNK-32.73",
            "apbn",
            "2025-01-05",
        )
        .await;
        let officer = who(&t, "bnnk.bandung").await;
        let outsider = who(&t, "bnnk.bogor").await;
        for (unit, name) in [(mine, "pelapor.f1"), (other, "pelapor.f2")] {
            users::create_unit_reporter(
                &t.db,
                Actor::User(&officer),
                unit,
                name.into(),
                "Agen Pemulihan".into(),
                String::new(),
                "Pelapor-Desa-2026".into(),
            )
            .await
            .unwrap();
        }
        let reporter = who(&t, "pelapor.f1").await;
        let neighbour = who(&t, "pelapor.f2").await;

        // The officer's visit leaves an action, with a photo of the visit.
        let visit = VisitInput {
            visit_date: "2026-11-02".into(),
            mode: "luring".into(),
            findings: "Posko belum punya papan nama".into(),
            recommendations: String::new(),
            actions: vec![ActionInput {
                description: "Pasang papan nama posko".into(),
                owner: "Ketua unit".into(),
                due_date: "2026-11-30".into(),
            }],
            reviews: vec![],
        };
        let visit_id = visits::record_with_photos(
            &t.db,
            &store,
            Actor::User(&officer),
            mine,
            &visit,
            &[jpeg(1)],
        )
        .await
        .unwrap();
        let listed = visits::list(&t.db, &reporter, mine).await.unwrap();
        assert_eq!(listed[0].id, visit_id, "{}", t.label);
        assert_eq!(listed[0].photos.len(), 1, "{}", t.label);
        let action = visits::open_actions(&t.db, &reporter, mine).await.unwrap()[0].id;

        // What cannot be sent leaves nothing behind: no row, no file.
        let before = files_under(&dir);
        let not_a_photo = PhotoUpload {
            file_name: "x.jpg".into(),
            bytes: b"%PDF-1.7 not a photo".to_vec(),
        };
        let refused = follow_up(
            &t,
            &store,
            &reporter,
            (mine, action),
            true,
            "",
            &[not_a_photo],
        )
        .await
        .unwrap_err();
        assert!(
            matches!(refused, DbError::Invalid(_)),
            "{}: {refused:?}",
            t.label
        );
        let empty = follow_up(&t, &store, &reporter, (mine, action), false, "  ", &[])
            .await
            .unwrap_err();
        assert!(
            matches!(empty, DbError::Invalid(_)),
            "{}: {empty:?}",
            t.label
        );
        // Another unit's reporter, even of the same office, cannot reach this action.
        let stranger = follow_up(&t, &store, &neighbour, (mine, action), true, "", &[jpeg(2)])
            .await
            .unwrap_err();
        assert!(
            matches!(stranger, DbError::Forbidden(ref d) if !d.unseen),
            "{}: {stranger:?}",
            t.label
        );
        // Nor name it through its own unit.
        let through_own = follow_up(
            &t,
            &store,
            &neighbour,
            (other, action),
            true,
            "",
            &[jpeg(2)],
        )
        .await
        .unwrap_err();
        assert!(
            matches!(through_own, DbError::NotFound(_)),
            "{}: {through_own:?}",
            t.label
        );
        assert_eq!(
            files_under(&dir),
            before,
            "{}: a refused follow-up left a file",
            t.label
        );

        // The reporter sends it: done, a note, two photos.
        let id = follow_up(
            &t,
            &store,
            &reporter,
            (mine, action),
            true,
            " Papan sudah dipasang ",
            &[jpeg(3), jpeg(4)],
        )
        .await
        .unwrap();
        assert_eq!(files_under(&dir), before + 2, "{}", t.label);
        let sent = follow_ups::of_unit(&t.db, &officer, mine).await.unwrap();
        assert_eq!(sent.len(), 1, "{}", t.label);
        assert_eq!(
            (sent[0].id, sent[0].done, sent[0].note.as_str()),
            (id, true, "Papan sudah dipasang")
        );
        assert_eq!(sent[0].reported_by, "pelapor.f1");
        assert_eq!(sent[0].photos.len(), 2);
        // The action stays open until the officer checks it at the next visit.
        assert_eq!(
            visits::open_actions(&t.db, &officer, mine)
                .await
                .unwrap()
                .len(),
            1
        );

        // Its photos: read by the reporter and the officer, not by another office or unit.
        let photo = sent[0].photos[0].id;
        let (meta, bytes) = photos::read(&t.db, &store, &reporter, mine, photo)
            .await
            .unwrap();
        assert_eq!(bytes, jpeg(3).bytes, "{}", t.label);
        assert_eq!(meta.content_type, "image/jpeg");
        assert_eq!(meta.file_name, "bukti kegiatan.jpeg");
        assert!(
            photos::read(&t.db, &store, &officer, mine, photo)
                .await
                .is_ok()
        );
        assert!(
            photos::read(&t.db, &store, &outsider, mine, photo)
                .await
                .is_err()
        );
        assert!(
            photos::read(&t.db, &store, &neighbour, mine, photo)
                .await
                .is_err()
        );
        // A photo of this unit is not found through another one.
        assert!(matches!(
            photos::read(&t.db, &store, &officer, other, photo).await,
            Err(DbError::NotFound(_))
        ));
        assert!(follow_ups::of_unit(&t.db, &neighbour, mine).await.is_err());

        // The next visit closes it; a follow-up of a closed action is refused.
        let review = VisitInput {
            visit_date: "2026-12-01".into(),
            mode: "daring".into(),
            findings: String::new(),
            recommendations: String::new(),
            actions: vec![],
            reviews: vec![visits::ReviewInput {
                action_id: action,
                status: "selesai".into(),
                note: "Terlihat di foto".into(),
            }],
        };
        visits::record(&t.db, Actor::User(&officer), mine, &review)
            .await
            .unwrap();
        let closed = follow_up(&t, &store, &reporter, (mine, action), true, "lagi", &[])
            .await
            .unwrap_err();
        assert!(
            matches!(closed, DbError::State(_)),
            "{}: {closed:?}",
            t.label
        );
        // The reporter records no visits.
        assert!(
            visits::record(&t.db, Actor::User(&reporter), mine, &review)
                .await
                .is_err()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
