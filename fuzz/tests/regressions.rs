//! Every saved crash input (`regressions/<target>/*`) and every seed runs
//! through its target's checks: `cargo test` in this crate, no fuzzer needed.

use std::path::Path;

#[test]
fn saved_crash_inputs_pass() {
    abilab_fuzz::init();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut ran = 0;
    for target in abilab_fuzz::TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files.iter().filter(|f| f.is_file()) {
            let data = std::fs::read(file).unwrap();
            eprintln!("{target}: {}", file.display());
            abilab_fuzz::check(target, &data);
            ran += 1;
        }
    }
    eprintln!("{ran} saved inputs");
    // Every file under regressions/ belongs to a target.
    for entry in std::fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name();
        let name = name.to_str().unwrap();
        assert!(
            name == "README.md" || abilab_fuzz::TARGETS.contains(&name),
            "regressions/{name} is no target"
        );
    }
}

#[test]
fn seeds_pass() {
    abilab_fuzz::init();
    for target in abilab_fuzz::TARGETS {
        let seeds = abilab_fuzz::seeds(target);
        assert!(seeds.len() >= 10, "{target}: {} seeds", seeds.len());
        for (name, bytes) in seeds {
            eprintln!("{target}: {name}");
            abilab_fuzz::check(target, &bytes);
        }
    }
}
