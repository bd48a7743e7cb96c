//! What counts as the code when a build or a reproduction asks whether it
//! differs from its commit: shared by the build script (which records the
//! binary's dirty flag and diff hash) and `harness reproduce` (which
//! refuses a dirty checkout), so the two cannot disagree.

/// The `git status` / `git diff` pathspec of the code: everything but
/// `results/`, which holds data a reproduction writes.
pub const CODE: &[&str] = &["--", ".", ":(exclude)results"];
