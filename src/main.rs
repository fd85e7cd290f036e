//! The `quoteline` binary: parses the command line and hands over to the shells.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = quoteline::cli::Cli::parse();
    match quoteline::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
