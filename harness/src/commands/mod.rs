//! The subcommands, each validating its arguments into typed options and
//! doing the work. Bad input gets one line on stderr and exit code 2,
//! before anything is written; a run whose cells failed exits with 1.

pub mod compare;
pub mod list;
pub mod matrix;
pub mod merge;
pub mod report;
pub mod reproduce;
pub mod runs;
pub mod sim;
pub mod trace;

use std::process::ExitCode;

use clap::Parser;
use factor::BadValue;

use crate::cli::{Cli, Command, TraceCommand};

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: exit code 2, nothing written.
    Usage(String),
    /// Something broke while running: exit code 1.
    Run(anyhow::Error),
}

/// Refuses runs still being written (for the commands that read them).
fn settled(runs: &[std::path::PathBuf]) -> Result<(), Failure> {
    for r in runs {
        crate::output::settled(r).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    Ok(())
}

impl From<BadValue> for Failure {
    fn from(e: BadValue) -> Self {
        Failure::Usage(e.to_string())
    }
}

impl From<crate::options::OptionsError> for Failure {
    fn from(e: crate::options::OptionsError) -> Self {
        Failure::Usage(e.to_string())
    }
}

/// Parses the command line and runs it; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
            if matches!(e.kind(), DisplayHelp | DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // clap's message, first line only: one line per error.
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::List => emit(list::text()).map(|()| ExitCode::SUCCESS),
        Command::Matrix(args) => crate::options::Options::new(&args)
            .map_err(Failure::from)
            .and_then(|o| matrix::run(&o)),
        Command::Sim(args) => sim::run(&args),
        Command::Trace(TraceCommand::Generate(args)) => trace::generate(&args),
        Command::Report(args) => report::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Reproduce(args) => reproduce::run(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "harness", &mut script);
            emit(script).map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {}", one_line(&msg));
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {}", one_line(&format!("{e:#}")));
            ExitCode::from(1)
        }
    }
}

/// Writes `text` to standard output. A closed or full stdout (`| head`,
/// `> /dev/full`) is an error of its own, one line and exit 1, not a
/// panic: whatever the command wrote to files stays.
pub fn emit(text: impl AsRef<[u8]>) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_ref())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Run(anyhow::anyhow!("cannot write to standard output: {e}")))
}

/// An error on one line: engines' messages carry wasm backtraces and
/// notes on lines of their own, and a user (or a script) reads one line.
fn one_line(msg: &str) -> String {
    let parts: Vec<&str> = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_print_on_one_line() {
        assert_eq!(
            super::one_line("bad guest: trap\n  0: 0x5d - <unknown>!start\n\nnote: x"),
            "bad guest: trap; 0: 0x5d - <unknown>!start; note: x"
        );
        assert_eq!(super::one_line("plain"), "plain");
    }
}
