//! Keeping a reference folder under the size a tracked file may have: the
//! raw replicate times go first (every statistic stays in the row), then
//! the files `harness report` regenerates from the rows. What was dropped
//! is returned, to be said in the folder's `reproduce.json` and the index.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The largest file the repository takes.
pub const MAX_FILE_BYTES: u64 = 2_000_000;

/// Files `harness report` writes again from the rows: dropped whole when
/// they alone are too large.
const REGENERATED: &[&str] = &["report.html", "results.csv", "claims.json"];

/// Brings every file under `folder` within `limit` bytes; the sentences
/// saying what was trimmed. A rows file still too large without its
/// replicates is an error: dropping rows would change what the folder
/// says.
pub fn trim(folder: &Path, limit: u64) -> anyhow::Result<Vec<String>> {
    let mut said = Vec::new();
    for file in files(folder)? {
        let size = std::fs::metadata(&file)?.len();
        if size <= limit {
            continue;
        }
        let rel = file
            .strip_prefix(folder)
            .unwrap_or(&file)
            .display()
            .to_string();
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "results.jsonl" {
            let kept = drop_replicates(&file)?;
            said.push(format!(
                "{rel}: raw replicate times dropped ({} → {} bytes; every statistic kept)",
                size, kept
            ));
            if kept > limit {
                anyhow::bail!(
                    "{rel} is {kept} bytes without its replicate times, over the {limit}-byte \
                     limit: narrow the configuration"
                );
            }
        } else if REGENERATED.contains(&name) {
            std::fs::remove_file(&file)?;
            said.push(format!(
                "{rel}: removed ({size} bytes; `harness report` writes it again)"
            ));
        } else {
            anyhow::bail!("{rel} is {size} bytes, over the {limit}-byte limit");
        }
    }
    Ok(said)
}

/// Every file under `dir`, sorted.
fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                todo.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Rewrites a rows file with every `replicate_s` emptied, through a temporary file
/// renamed over it (never half-written); its new size.
fn drop_replicates(file: &Path) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(file)?;
    let tmp = file.with_extension("jsonl.trim");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut row: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("{}:{}: not a JSON row: {e}", file.display(), i + 1))?;
        // Emptied, not removed: older readers require the field.
        if let Some(times) = row.get_mut("replicate_s") {
            *times = serde_json::Value::Array(Vec::new());
        }
        serde_json::to_writer(&mut out, &row)?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, file)?;
    Ok(std::fs::metadata(file)?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicates_go_first_then_regenerable_files() {
        let dir = tempfile::tempdir().unwrap();
        let rows = dir.path().join("run-1/results.jsonl");
        std::fs::create_dir_all(rows.parent().unwrap()).unwrap();
        let row = serde_json::json!({"cell": "x", "mean_s": 1.0, "replicate_s": vec![0.5; 200]});
        std::fs::write(&rows, format!("{row}\n{row}\n")).unwrap();
        std::fs::write(dir.path().join("report.html"), vec![b'x'; 5000]).unwrap();
        std::fs::write(dir.path().join("report.md"), b"small").unwrap();

        let said = trim(dir.path(), 1000).unwrap();
        assert_eq!(said.len(), 2, "{said:?}");
        let text = std::fs::read_to_string(&rows).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains(r#""replicate_s":[]"#) && !text.contains("0.5"));
        assert!(text.contains("mean_s"));
        assert!(!dir.path().join("report.html").exists());
        assert!(dir.path().join("report.md").exists());
    }

    #[test]
    fn a_file_it_cannot_shrink_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("report.md"), vec![b'x'; 5000]).unwrap();
        let e = trim(dir.path(), 1000).unwrap_err().to_string();
        assert!(e.contains("report.md is 5000 bytes"), "{e}");
    }
}
