//! The docs against the committed reference: every number bound to a
//! query (`<!-- = ... -->`) is recomputed from `results/reference/`, and
//! every included section (`<!-- include ... -->`) compared with the file
//! it comes from (analysis::quoted says how). A document whose numbers
//! drifted from the data fails here with its file and line.
//!
//! `ABILAB_BLESS=1 cargo test -p analysis --test docs` rewrites the
//! included sections from the committed files; bound numbers are a
//! person's to rewrite (the failure says what the data give).

use std::path::{Path, PathBuf};

/// The documents that quote the reference.
const DOCS: &[&str] = &["README.md", "results/README.md", "docs"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn documents() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in DOCS {
        let p = root().join(d);
        if p.is_dir() {
            let mut md: Vec<PathBuf> = std::fs::read_dir(&p)
                .unwrap()
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect();
            md.sort();
            out.extend(md);
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn every_quoted_number_agrees_with_the_committed_data() {
    let reference = root().join("results/reference");
    let bless = std::env::var_os("ABILAB_BLESS").is_some();
    let mut problems = Vec::new();
    let mut numbers = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let checked = analysis::quoted::check(&text, &reference);
        numbers += checked.numbers + checked.includes + checked.verdicts;
        let rel = doc.strip_prefix(root()).unwrap().display().to_string();
        if bless && checked.updated != text {
            std::fs::write(&doc, &checked.updated).unwrap();
        }
        for m in checked.mismatches {
            if bless && m.what.contains("ABILAB_BLESS") {
                continue;
            }
            problems.push(format!("{rel}:{}: {}", m.line, m.what));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {numbers} quoted figures disagree with results/reference:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
