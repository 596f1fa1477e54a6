//! `dcplan` binary: parse, run, print the error chain, exit with its code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = dcplan::cli::Cli::parse();
    match dcplan::cli::run(cli) {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}
