//! Tests that read the whole process's memory: each runs alone in a
//! child copy of the test binary, because other tests of the same
//! binary allocate and free on other threads meanwhile, and the process's
//! resident size would count their memory with the test's own.

/// Set in the child that runs one test alone.
const CHILD: &str = "ABILAB_TEST_ALONE";

/// Whether to run the test's body here: `true` in the child; in the
/// parent, runs the test `name` (its path without the crate) alone in a
/// child, fails if the child fails, and returns `false`.
pub fn alone(name: &str) -> bool {
    if std::env::var_os(CHILD).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs again");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "{name} alone: {}\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    false
}
