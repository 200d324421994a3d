//! The `tigr` command: parses flags, sets up logging, and hands over to [`tigr::run`].

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tigr::cli::Cli::parse();
    tigr::logging(cli.verbose);
    match tigr::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tigr: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
