#![no_main]
//! Any bytes as a received aggregate payload, DHIS2 JSON or ADX XML (the first byte chooses):
//! parsed, checked and dry-run stored without a panic or a database failure.
use libfuzzer_sys::fuzz_target;
use pantau_core::aggregate::{parse_adx_xml, parse_dhis2_json};
use pantau_db::Actor;
use pantau_db::exchange::aggregate;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, payload)) = data.split_first() else {
        return;
    };
    let parsed = if choice % 2 == 0 {
        parse_dhis2_json(payload)
    } else {
        parse_adx_xml(payload)
    };
    let Ok(set) = parsed else {
        return;
    };
    let w = pantau_fuzz::world();
    pantau_fuzz::expect_answer(w.run(aggregate::import_values(
        w.db(),
        Actor::System("fuzz"),
        "fuzz",
        &set,
        true,
    )));
});
