//! `pantau`: the server and its operator commands.

mod bench;
mod cli;
mod remind;

use anyhow::Context;
use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    init_tracing();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
        .and_then(|runtime| runtime.block_on(cli::run(args)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", explain(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error as an operator reads it: a refusal of the storage layer in words (Bahasa
/// Indonesia, like the rest of the command line), after the context it was raised in.
fn explain(e: &anyhow::Error) -> String {
    let catalogue = pantau_web::i18n::I18n::new();
    e.chain()
        .map(|cause| match cause.downcast_ref::<pantau_db::DbError>() {
            Some(
                db @ (pantau_db::DbError::Invalid(_)
                | pantau_db::DbError::Missing(_)
                | pantau_db::DbError::State(_)),
            ) => catalogue.render(pantau_web::i18n::Lang::Id, &db.message()),
            _ => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// `RUST_LOG=debug` (or info, warn, error) sets the level; info by default.
fn init_tracing() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}
