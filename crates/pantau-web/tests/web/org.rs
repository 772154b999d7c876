//! The area and office hierarchy, browsable in both languages.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_core::org::AreaLevel;
use pantau_db::testing;

#[tokio::test]
async fn the_hierarchy_is_browsable_from_nation_to_village_in_both_languages() {
    for t in testing::all().await {
        seeded(&t, AreaLevel::Village).await;
        let mut c = Client::new(&t);
        c.login("bnnk.bandung").await;
        let home = c.get("/").await;
        assert!(
            home.body.contains("Beranda") && home.body.contains("Tugas saya"),
            "{}",
            t.label
        );
        let nation = c.get("/wilayah").await;
        assert!(nation.body.contains("83762"), "{}: area counts", t.label);
        assert!(nation.body.contains("Jawa Barat") && nation.body.contains("href=\"/wilayah/32\""));
        let prov = c.get("/wilayah/32").await;
        assert!(prov.body.contains("Kota Bandung") && prov.body.contains("BNNP Jawa Barat"));
        let kab = c.get("/wilayah/32.73").await;
        assert!(
            kab.body.contains("BNN Kota Bandung"),
            "covering office shown"
        );
        let kec = c.get("/wilayah/32.73.01").await;
        assert_eq!(kec.status, StatusCode::OK);
        let villages = c.get("/api/v1/wilayah?parent=32.73.01").await.json();
        let first = villages["items"][0]["name"].as_str().unwrap().to_string();
        assert!(kec.body.contains(&first), "{}: villages listed", t.label);
        let search = c.get("/wilayah?q=papua").await;
        assert!(search.body.contains("Papua Barat Daya") && !search.body.contains("Jawa Barat"));
        assert_eq!(c.get("/wilayah/99.99").await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            c.get("/wilayah/bukan-kode").await.status,
            StatusCode::BAD_REQUEST
        );
        let tree = c.get("/satker").await;
        assert!(tree.body.contains("BNNP Papua") && tree.body.contains("BNN Kota Bandung"));

        let r = c
            .submit("/bahasa/en", &[("next", "/wilayah/32?tingkat=kabupaten")])
            .await;
        assert_eq!(r.location(), "/wilayah/32?tingkat=kabupaten");
        let en = c.get("/wilayah/32").await;
        assert!(
            en.body.contains("Areas below") && en.body.contains("lang=\"en\""),
            "{}",
            t.label
        );
        t.finish().await;
    }
}
