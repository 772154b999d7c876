#![no_main]
//! Any bytes as an SNI instrument file: read, checked and dry-run imported as a new version
//! without a panic or a database failure.
use libfuzzer_sys::fuzz_target;
use pantau_db::Actor;
use pantau_db::sni::instrument;

fuzz_target!(|data: &[u8]| {
    pantau_fuzz::import_table(data, |db, table| async move {
        instrument::import(
            db,
            Actor::System("fuzz"),
            "fuzz-v1",
            "Fuzz",
            0.8,
            &table,
            true,
        )
        .await
    });
});
