#![no_main]
//! Any bytes as a CSV or XLSX file of agents: read, checked and dry-run imported without a panic
//! or a database failure.
use libfuzzer_sys::fuzz_target;
use pantau_db::{Actor, exchange};

fuzz_target!(|data: &[u8]| {
    pantau_fuzz::import_table(data, |db, table| async move {
        exchange::agents::import(db, Actor::System("fuzz"), &table, true, &|_| {}).await
    });
});
