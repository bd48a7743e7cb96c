//! Records, at build time, what a run's `run.json` must report about the
//! binary itself (git commit, rustc, profile, and the runtime crates'
//! versions from Cargo.lock), and generates the ABI registry from the
//! `abi-*` dependencies in this crate's Cargo.toml.

#[path = "src/code_paths.rs"]
mod code_paths;

use std::env;
use std::path::Path;
use std::process::Command;

/// The ABI axis is the harness's `abi-<id>` dependencies, in the order
/// Cargo.toml lists them: each crate registers the type named after its id
/// (`abi-bytemuck` → `abi_bytemuck::Bytemuck`), so adding an ABI to the
/// harness is one dependency line.
fn abi_registry(manifest: &Path, out_dir: &Path) {
    println!("cargo::rerun-if-changed={}", manifest.display());
    let text = std::fs::read_to_string(manifest).expect("harness/Cargo.toml is readable");
    let mut in_deps = false;
    let mut lines = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        let Some(id) = line
            .split(['=', '.', ' '])
            .next()
            .and_then(|key| key.strip_prefix("abi-"))
        else {
            continue;
        };
        if !in_deps || id == "api" {
            continue;
        }
        let snake = id.replace('-', "_");
        let camel: String = id
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        lines.push(format!("    ({snake}, {camel}) => abi_{snake}::{camel},\n"));
    }
    assert!(!lines.is_empty(), "harness/Cargo.toml lists no abi-* crate");
    let code = format!("registry! {{\n{}}}\n", lines.concat());
    std::fs::write(out_dir.join("abi_registry.rs"), code).expect("OUT_DIR is writable");
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    abi_registry(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"),
        Path::new(&env::var_os("OUT_DIR").unwrap()),
    );
    let lock = root.join("Cargo.lock");
    println!("cargo::rerun-if-changed={}", lock.display());
    // Re-run when HEAD moves or a source changes, so the recorded commit,
    // dirty flag and diff hash stay true of what is compiled.
    let git_dir = root.join(".git");
    for f in ["HEAD", "index"] {
        if git_dir.join(f).exists() {
            println!("cargo::rerun-if-changed={}", git_dir.join(f).display());
        }
    }
    for dir in [
        "harness",
        "runtimes",
        "scenarios",
        "abis",
        "guests",
        "analysis",
        "factor",
        "Cargo.toml",
    ] {
        println!("cargo::rerun-if-changed={}", root.join(dir).display());
    }

    let run = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let commit = run("git", &["rev-parse", "HEAD"]);
    // Results are data, not code: a reproduction writing them does not
    // make the next build dirty.
    let status: Vec<&str> = ["status", "--porcelain", "--untracked-files=no"]
        .into_iter()
        .chain(code_paths::CODE.iter().copied())
        .collect();
    let dirty = !run("git", &status).is_empty();
    println!("cargo::rustc-env=ABILAB_GIT_COMMIT={commit}");
    println!("cargo::rustc-env=ABILAB_GIT_DIRTY={dirty}");
    // What the uncommitted changes were: `git diff HEAD | git hash-object
    // --stdin` of the tree the binary was built from, so two dirty builds
    // can be told apart (empty when clean).
    let diff_hash = if dirty {
        Command::new("git")
            .args(["diff", "HEAD", "--binary"])
            .args(code_paths::CODE)
            .current_dir(root)
            .output()
            .ok()
            .and_then(|diff| {
                use std::io::Write as _;
                let mut hasher = Command::new("git")
                    .args(["hash-object", "--stdin"])
                    .current_dir(root)
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .ok()?;
                hasher.stdin.take()?.write_all(&diff.stdout).ok()?;
                let o = hasher.wait_with_output().ok()?;
                Some(String::from_utf8_lossy(&o.stdout).trim().to_string())
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    println!("cargo::rustc-env=ABILAB_GIT_DIFF_HASH={diff_hash}");
    println!("cargo::rustc-env=ABILAB_RUSTC={}", run(&rustc, &["-V"]));
    // The profile's output directory names the cargo profile (`debug` for
    // dev/test, `release`, or a custom one such as `debug-host`).
    let out_dir = std::path::PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let profile = out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|b| b.parent()?.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    println!("cargo::rustc-env=ABILAB_PROFILE={profile}");
    println!(
        "cargo::rustc-env=ABILAB_OPT_LEVEL={}",
        env::var("OPT_LEVEL").unwrap_or_default()
    );

    // name@version for the crates whose versions explain the numbers:
    // every runtime, every ABI's encoding crate, the Extism peer. A crate
    // locked at two versions (Wasmtime: ours and Extism's) lists both.
    const WATCH: &[&str] = &[
        "wasmer",
        "wasmer-compiler-cranelift",
        "wasmer-compiler-singlepass",
        "wasmer-compiler-llvm",
        "wasmtime",
        "cranelift-codegen",
        "pulley-interpreter",
        "winch-codegen",
        "wasmi",
        "extism",
        "extism-pdk",
        "bincode",
        "bytemuck",
        "prost",
        "postcard",
        "rkyv",
        "wit-bindgen",
    ];
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let mut found = Vec::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take())
            && WATCH.contains(&n.as_str())
        {
            found.push((n, v.trim_matches('"').to_string()));
        }
    }
    found.sort();
    let mut joined: Vec<(String, String)> = Vec::new();
    for (n, v) in found {
        match joined.last_mut() {
            Some((last, versions)) if *last == n => versions.push_str(&format!(" + {v}")),
            _ => joined.push((n, v)),
        }
    }
    let text: Vec<String> = joined.iter().map(|(n, v)| format!("{n}@{v}")).collect();
    println!("cargo::rustc-env=ABILAB_CRATE_VERSIONS={}", text.join(","));
}
