//! Dashboards and the map.

use crate::harness::*;
use axum::http::StatusCode;
use pantau_db::seed;
use pantau_db::testing;

#[tokio::test]
async fn the_province_map_accounts_for_all_38_provinces() {
    let t = testing::sqlite().await;
    let mut c = Client::new(&t);
    let r = c.get("/static/map/id-provinces.geojson").await;
    assert_eq!(r.status, StatusCode::OK);
    let geo = r.json();
    let mut covered: Vec<String> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["properties"]["covers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
        })
        .collect();
    covered.sort();
    let provinces: Vec<String> = std::str::from_utf8(seed::bundled::PROVINCES)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(
        covered, provinces,
        "every Kemendagri province is drawn, once"
    );
    t.finish().await;
}
