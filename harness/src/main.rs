//! The `harness` binary; everything lives in the library (see `lib.rs`).

fn main() -> std::process::ExitCode {
    // First, while this is the only thread (see its doc).
    harness::fingerprint::library_backtraces_off();
    harness::commands::main()
}
