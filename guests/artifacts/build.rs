//! Compiles the guest crates to wasm with a nested `cargo build`.
//!
//! The guests are members of this workspace (same lockfile, same pinned
//! versions) built for their wasm target with the `guest` profile into
//! `<target dir>/wasm-guests`, shared by every host profile so a guest is
//! compiled once. Dep-info files drive `rerun-if-changed`, and the bytes
//! are embedded with `include_bytes!`, so the harness binary is
//! self-contained. See guests/README.md.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, exit};

/// The target a guest is built for unless its manifest says otherwise
/// (`[package.metadata.abilab] target = "..."`).
const DEFAULT_TARGET: &str = "wasm32-unknown-unknown";

/// A guest crate found under `guests/`.
struct Guest {
    /// Package name, `guest-<short>`.
    krate: String,
    /// Its wasm target.
    target: String,
}

/// Every `guests/*/` crate but this one, sorted by name.
fn discover(guests_dir: &Path) -> Vec<Guest> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(guests_dir).expect("guests/ is readable") {
        let manifest = entry.expect("guests/ entry").path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        println!("cargo::rerun-if-changed={}", manifest.display());
        let value = |key: &str| {
            text.lines()
                .filter_map(|l| l.trim().strip_prefix(key)?.trim().strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').to_string())
                .next()
        };
        let krate = value("name").unwrap_or_default();
        if !krate.starts_with("guest-") || krate == "guest-artifacts" {
            continue;
        }
        let target = value("target").unwrap_or_else(|| DEFAULT_TARGET.to_string());
        out.push(Guest { krate, target });
    }
    out.sort_by(|a, b| a.krate.cmp(&b.krate));
    out
}

/// The command that installs every target a guest needs.
const INSTALL: &str = "rustup target add wasm32-unknown-unknown wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let target_dir = shared_target_dir(&out_dir).join("wasm-guests");

    println!("cargo::rerun-if-changed=build.rs");
    println!(
        "cargo::rerun-if-changed={}",
        workspace.join("Cargo.lock").display()
    );
    println!(
        "cargo::rerun-if-changed={}",
        workspace.join("Cargo.toml").display()
    );

    // A new guest directory appears in guests/ itself.
    let guests_dir = manifest_dir.parent().unwrap();
    println!("cargo::rerun-if-changed={}", guests_dir.display());
    let guests = discover(guests_dir);
    let mut targets: Vec<&str> = guests.iter().map(|g| g.target.as_str()).collect();
    targets.sort();
    targets.dedup();
    check_targets_installed(&targets);

    let mut generated = String::new();
    let mut all = String::new();
    for target in targets {
        let crates: Vec<&str> = guests
            .iter()
            .filter(|g| g.target == target)
            .map(|g| g.krate.as_str())
            .collect();
        build(&workspace, &target_dir, target, &crates);
    }
    for Guest { krate, target } in &guests {
        let target = target.as_str();
        let short = krate.trim_start_matches("guest-");
        let konst = short.to_uppercase().replace('-', "_");
        let stem = krate.replace('-', "_");
        let dir = target_dir.join(target).join("guest");
        let wasm = dir.join(format!("{stem}.wasm"));
        if !wasm.exists() {
            fail(&format!("{krate} built but {} is missing", wasm.display()));
        }
        rerun_on_sources(&dir.join(format!("{stem}.d")), &workspace);
        writeln!(
            generated,
            "/// `{krate}`, built for `{target}` with the `guest` profile.\n\
             pub const {konst}: &[u8] = include_bytes!({:?});",
            wasm.display().to_string()
        )
        .unwrap();
        writeln!(all, "    ({short:?}, {konst}),").unwrap();
    }
    writeln!(
        generated,
        "/// Every guest as (short name, wasm bytes).\n\
         pub const ALL: &[(&str, &[u8])] = &[\n{all}];"
    )
    .unwrap();
    // The guest-build ablations of the simulator (docs/methodology.md,
    // "Ablations"): the Pair guest again at opt-level "s", and with the
    // wasm SIMD proposal on; each into its own target directory.
    let mut variants = String::new();
    for (name, env) in VARIANTS {
        let dir = target_dir.join("variants").join(name);
        build_with(&workspace, &dir, DEFAULT_TARGET, &["guest-pair"], env);
        let wasm = dir
            .join(DEFAULT_TARGET)
            .join("guest")
            .join("guest_pair.wasm");
        if !wasm.exists() {
            fail(&format!(
                "guest-pair ({name}) built but {} is missing",
                wasm.display()
            ));
        }
        writeln!(
            variants,
            "    (\"pair\", {name:?}, include_bytes!({:?})),",
            wasm.display().to_string()
        )
        .unwrap();
    }
    writeln!(
        generated,
        "/// Guests built another way, as (ABI id, variant, wasm bytes).\n\
         pub const VARIANTS: &[(&str, &str, &[u8])] = &[\n{variants}];"
    )
    .unwrap();
    let c_guests = build_c(&manifest_dir.join("c"), &target_dir.join("c"));
    let mut c_all = String::new();
    for (abi, wasm) in &c_guests {
        writeln!(
            c_all,
            "    ({abi:?}, include_bytes!({:?})),",
            wasm.display().to_string()
        )
        .unwrap();
    }
    writeln!(
        generated,
        "/// The C guests (`c/<abi>.c`) as (ABI id, wasm bytes).\n\
         pub const C: &[(&str, &[u8])] = &[\n{c_all}];"
    )
    .unwrap();
    std::fs::write(out_dir.join("guests.rs"), generated).unwrap();
}

/// The C compiler for the C guests: `$ABILAB_CLANG`, else Debian's
/// `clang-22` (what setup.sh installs), else `clang`.
fn clang() -> String {
    println!("cargo::rerun-if-env-changed=ABILAB_CLANG");
    if let Ok(c) = env::var("ABILAB_CLANG") {
        return c;
    }
    for c in ["clang-22", "clang"] {
        let works = Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if works {
            return c.to_string();
        }
    }
    fail(
        "the C guests need clang with the wasm32 target and lld (not found); run ./setup.sh \
         (apt-get install clang-22 lld-22)",
    )
}

/// Compiles every `c/<abi>.c` to a freestanding wasm32 module (no libc,
/// no start function, exports named in the source) under `out`.
fn build_c(src: &Path, out: &Path) -> Vec<(String, PathBuf)> {
    println!("cargo::rerun-if-changed={}", src.display());
    let mut sources: Vec<PathBuf> = std::fs::read_dir(src)
        .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    sources.retain(|p| p.extension().is_some_and(|e| e == "c"));
    sources.sort();
    if sources.is_empty() {
        return Vec::new();
    }
    std::fs::create_dir_all(out).unwrap();
    let clang = clang();
    let mut built = Vec::new();
    for source in sources {
        println!("cargo::rerun-if-changed={}", source.display());
        let abi = source.file_stem().unwrap().to_string_lossy().to_string();
        let wasm = out.join(format!("{abi}.wasm"));
        let status = Command::new(&clang)
            .args([
                "--target=wasm32-unknown-unknown",
                "-O2",
                "-nostdlib",
                "-fno-builtin",
                "-std=c11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-Wl,--no-entry",
                "-Wl,--strip-all",
                "-o",
            ])
            .arg(&wasm)
            .arg(&source)
            .status()
            .unwrap_or_else(|e| fail(&format!("could not run {clang}: {e}")));
        if !status.success() {
            fail(&format!(
                "{clang} failed on {} (see above); the C guests need clang and lld for wasm32 \
                 (./setup.sh installs them)",
                source.display()
            ));
        }
        built.push((abi, wasm));
    }
    built
}

/// `<target>/<profile>/build/<pkg>/out` → `<target>` (or `<target>/<triple>`).
fn shared_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()?.parent())
        .unwrap_or(out_dir)
        .to_path_buf()
}

fn check_targets_installed(targets: &[&str]) {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let Some(sysroot) = sysroot else {
        fail(&format!("could not run `{rustc} --print sysroot`"));
    };
    let missing: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| !sysroot.join("lib/rustlib").join(t).join("lib").is_dir())
        .collect();
    if !missing.is_empty() {
        fail(&format!(
            "the guests need the {} target{} (not installed); run: {INSTALL}",
            missing.join(" and "),
            if missing.len() > 1 { "s" } else { "" }
        ));
    }
}

/// The guest variants: a name and the environment its build adds.
const VARIANTS: &[(&str, &[(&str, &str)])] = &[
    ("guest-os", &[("CARGO_PROFILE_GUEST_OPT_LEVEL", "s")]),
    (
        "guest-simd128",
        &[("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=+simd128")],
    ),
];

fn build(workspace: &Path, target_dir: &Path, target: &str, crates: &[&str]) {
    build_with(workspace, target_dir, target, crates, &[]);
}

/// [`build`] with `env` added to the nested cargo's environment.
fn build_with(
    workspace: &Path,
    target_dir: &Path,
    target: &str,
    crates: &[&str],
    env: &[(&str, &str)],
) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .args(["--profile", "guest", "--target", target, "--target-dir"])
        .arg(target_dir);
    for c in crates {
        cmd.args(["-p", c]);
    }
    // Settings meant for the host build must not leak into the guests', and
    // a changing environment would make cargo rebuild them for nothing.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_LLVM_COV",
        "LLVM_PROFILE_FILE",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let status = cmd
        .status()
        .unwrap_or_else(|e| fail(&format!("could not run cargo: {e}")));
    if !status.success() {
        fail(&format!(
            "building {} for {target} failed (see above)",
            crates.join(", ")
        ));
    }
}

/// Emits `rerun-if-changed` for every workspace source a guest was built from.
fn rerun_on_sources(dep_info: &Path, workspace: &Path) {
    let Ok(text) = std::fs::read_to_string(dep_info) else {
        return;
    };
    let Some((_, deps)) = text.lines().next().and_then(|l| l.split_once(": ")) else {
        return;
    };
    // Paths are space-separated with spaces inside a path escaped as `\ `.
    let mut path = String::new();
    let emit = |p: &mut String| {
        if !p.is_empty() && Path::new(p.as_str()).starts_with(workspace) {
            println!("cargo::rerun-if-changed={p}");
        }
        p.clear();
    };
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                path.push(' ');
                chars.next();
            }
            ' ' => emit(&mut path),
            _ => path.push(c),
        }
    }
    emit(&mut path);
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    println!("cargo::error={msg}");
    exit(1)
}
