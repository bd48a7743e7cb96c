//! The harness relaunching itself: a host-profile child, an `--isolate`d
//! cell, one of `--runs`' processes. All three pass the user's own
//! `matrix` arguments on, minus the flags the parent decides for the
//! child, plus the child's own. One function strips, for every relaunch,
//! so a flag added to `matrix` is either passed on or named here.

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Command;

/// A command that starts `program` as a child that dies with this
/// process: the kernel sends it SIGTERM when its parent ends, however it
/// ends (a SIGKILL included), so no child goes on measuring orphaned; its
/// own SIGTERM handling then stops it between cells, as a user's would.
pub fn command(program: &Path) -> Command {
    let parent = std::process::id();
    let mut cmd = Command::new(program);
    // SAFETY: the closure runs in the forked child before exec and calls
    // only async-signal-safe functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before the request took effect.
            if libc::getppid() as u32 != parent {
                libc::_exit(130);
            }
            Ok(())
        });
    }
    cmd
}

/// Flags with a value that a parent always decides for its child.
const PARENT_DECIDES: &[&str] = &["--out", "--format", "--resume", "--only-cell"];
/// Flags without a value that a parent always decides.
const PARENT_FLAGS: &[&str] = &["--quiet", "-q", "--no-report", "--dry-run"];

/// Who is relaunched, which says what else the parent decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    /// A harness of another host profile running its share of the plan.
    HostProfile,
    /// One cell in its own process (`--isolate`).
    IsolatedCell,
    /// One of `--runs` N whole runs.
    Run,
}

impl Child {
    /// Flags with a value this child gets from its parent, besides
    /// [`PARENT_DECIDES`].
    fn with_value(self) -> &'static [&'static str] {
        match self {
            Child::HostProfile => &["--host-profile"],
            Child::IsolatedCell => &["--host-profile"],
            Child::Run => &["--seed", "--runs"],
        }
    }

    /// Flags without a value it gets from its parent, besides
    /// [`PARENT_FLAGS`].
    fn flags(self) -> &'static [&'static str] {
        match self {
            Child::HostProfile => &["--isolate"],
            Child::IsolatedCell => &["--isolate"],
            Child::Run => &[],
        }
    }
}

/// `matrix` and the user's arguments (`user` is the whole command line,
/// `harness matrix ...`) without what the parent decides for `child`; the
/// caller appends the child's own.
pub fn matrix_args(user: &[OsString], child: Child) -> Vec<OsString> {
    let with_value: Vec<&str> = PARENT_DECIDES
        .iter()
        .chain(child.with_value())
        .copied()
        .collect();
    let mut args: Vec<OsString> = vec!["matrix".into()];
    let mut rest = user.iter().skip(2);
    while let Some(arg) = rest.next() {
        let text = arg.to_string_lossy();
        if with_value.contains(&text.as_ref()) {
            rest.next();
            continue;
        }
        let joined = with_value
            .iter()
            .any(|f| text.strip_prefix(f).is_some_and(|v| v.starts_with('=')));
        if joined || PARENT_FLAGS.contains(&text.as_ref()) || child.flags().contains(&text.as_ref())
        {
            continue;
        }
        args.push(arg.clone());
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str, child: Child) -> Vec<String> {
        let user: Vec<OsString> = line.split(' ').map(OsString::from).collect();
        matrix_args(&user, child)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn each_child_keeps_the_users_choices_and_loses_the_parents() {
        let line = "harness matrix --abi pair --out o --format=csv --quiet --isolate \
                    --host-profile release,debug --runs 3 --seed 7 --only operand=i32";
        assert_eq!(
            args(line, Child::HostProfile),
            [
                "matrix",
                "--abi",
                "pair",
                "--runs",
                "3",
                "--seed",
                "7",
                "--only",
                "operand=i32"
            ]
        );
        assert_eq!(
            args(line, Child::IsolatedCell),
            [
                "matrix",
                "--abi",
                "pair",
                "--runs",
                "3",
                "--seed",
                "7",
                "--only",
                "operand=i32"
            ]
        );
        assert_eq!(
            args(line, Child::Run),
            [
                "matrix",
                "--abi",
                "pair",
                "--isolate",
                "--host-profile",
                "release,debug",
                "--only",
                "operand=i32"
            ]
        );
    }
}
