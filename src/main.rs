//! `dcplan` binary: parse, run, print the error chain, exit with its code. SIGINT, SIGTERM and
//! SIGHUP stop the run cleanly: unfinished files and the staging output folder are removed,
//! an existing output folder is left as it was, and the exit code is 128 + the signal.

use clap::Parser;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::process::ExitCode;

fn main() -> ExitCode {
    stop_cleanly_on_signals();
    let cli = dcplan::cli::Cli::parse();
    match dcplan::cli::run(cli) {
        Ok(exit) => exit.into(),
        Err(e) => {
            let mut shown = e.to_string();
            eprintln!("error: {shown}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                // a cause that the message already spells out is not printed again
                let text = s.to_string();
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                    shown.push_str(&text);
                }
                source = s.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// A thread that waits for SIGINT, SIGTERM or SIGHUP and then removes what the run has not
/// finished writing (`fsio` knows) and exits. Without the handler installed the run goes on
/// as before: the signals then end it the default way.
fn stop_cleanly_on_signals() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            dcplan::fsio::clean_up_and_exit(128 + signal, |removed| {
                eprintln!(
                    "dcplan: stopped by signal {signal}; removed {removed} unfinished file(s) \
                     or folder(s), left every finished output as it was"
                );
            });
        }
    });
}
