//! The `harness` binary; everything lives in the library (see `lib.rs`).

fn main() -> std::process::ExitCode {
    harness::commands::main()
}
