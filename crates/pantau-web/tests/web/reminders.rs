//! The daily digest's switch on the account page (issue 17): on by default, turned off and on
//! again by the account itself, recorded in the audit log. Both databases.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::testing;

#[tokio::test]
async fn each_person_turns_the_daily_digest_off_and_on_from_the_account_page() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut bnnk = Client::new(&t);
        bnnk.login("bnnk.bandung").await;
        let id = pantau_db::users::by_username(&t.db, "bnnk.bandung")
            .await
            .unwrap()
            .id;
        let page = bnnk.get("/akun").await.body;
        assert!(page.contains("action=\"/akun/pengingat\""), "{}", t.label);
        assert!(
            page.contains("name=\"reminders\" value=\"1\" checked"),
            "{}: on by default",
            t.label
        );
        assert!(pantau_db::reminders::enabled(&t.db, id).await.unwrap());
        // An unticked box sends nothing: off.
        let off = bnnk.submit("/akun/pengingat", &[]).await;
        assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", t.label);
        assert!(
            !pantau_db::reminders::enabled(&t.db, id).await.unwrap(),
            "{}",
            t.label
        );
        let page = bnnk.get("/akun").await.body;
        assert!(
            !page.contains("name=\"reminders\" value=\"1\" checked"),
            "{}",
            t.label
        );
        let on = bnnk.submit("/akun/pengingat", &[("reminders", "1")]).await;
        assert_eq!(on.status, StatusCode::SEE_OTHER, "{}", t.label);
        assert!(
            pantau_db::reminders::enabled(&t.db, id).await.unwrap(),
            "{}",
            t.label
        );
        let audited: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'pengguna' AND after_json LIKE '%reminders%'",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        assert_eq!(audited, 2, "{}", t.label);
        t.finish().await;
    }
}
