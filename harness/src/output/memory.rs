//! The memory lines under the table on stdout, which the common table
//! (time per call or per instance) does not show: the footprint
//! scenario's memory per kept instance, and the aftermath scenario's
//! small call beside its baseline with the memory a large call left.

use std::fmt::Write;

use super::{Record, Status};

/// One line per measured footprint cell: resident memory per instance,
/// the part in linear-memory reservations, address space, what came back
/// on drop, and instances per GiB of resident memory. Empty when no row
/// has a footprint.
pub fn footprints(records: &[&Record]) -> String {
    let rows: Vec<&&Record> = records
        .iter()
        .filter(|r| r.status == Status::Ok && r.footprint.is_some())
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut table = vec![
        [
            "runtime",
            "abi",
            "allocator",
            "instances",
            "held/inst",
            "heap/inst",
            "linear/inst",
            "RSS/inst",
            "address space/inst",
            "returned",
            "inst per GiB",
            "spread",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in rows {
        let f = r.footprint.as_ref().expect("filtered on it");
        let spread = {
            let (lo, hi) = f
                .replicate_held_b
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
            if f.replicate_held_b.len() > 1 && f.held_b > 0.0 {
                format!("±{:.1}%", (hi - lo) / 2.0 / f.held_b * 100.0)
            } else {
                "-".into()
            }
        };
        table.push(vec![
            r.runtime.clone(),
            r.abi.clone(),
            r.factors.get("allocator").cloned().unwrap_or_default(),
            f.instances.to_string(),
            bytes(f.held_b),
            bytes(f.heap_b),
            f.linear_b.map_or("-".into(), bytes),
            bytes(f.resident_b),
            bytes(f.address_space_b),
            format!("{:.0}%", f.returned * 100.0),
            per_gib(f.held_b),
            spread,
        ]);
    }
    let mut out = String::from("\nmemory per kept instance (median replicate)\n");
    out.push_str(&align(&table, 3));
    out.push_str(
        "held = heap (the allocator's bytes in use, mallinfo2) + linear (resident pages of \
         linear-memory reservations, /proc/self/smaps; - where the engine makes none and its \
         linear memory is heap); RSS: the kernel's count, lower where freed memory is reused; \
         spread: half the range of the replicates' bytes held\n",
    );
    out
}

/// One line per measured aftermath cell: the small call's time, its
/// ratio to the same runtime and ABI's `large=none` cell, and the
/// resident memory the large call left behind. Empty without such rows.
pub fn aftermath(records: &[&Record]) -> String {
    let rows: Vec<&&Record> = records
        .iter()
        .filter(|r| r.status == Status::Ok && r.retained_b.is_some())
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    // A row's key without `large`: the cell its baseline shares.
    let key = |r: &Record| {
        let own: Vec<String> = r
            .factors
            .iter()
            .filter(|(k, _)| k.as_str() != "large")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{}/{}/{}", r.runtime, r.abi, own.join(","))
    };
    let large = |r: &Record| r.factors.get("large").cloned().unwrap_or_default();
    let mut table = vec![
        [
            "runtime",
            "abi",
            "own factors",
            "large",
            "16 B call (ns)",
            "× none",
            "kept",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &rows {
        let base = rows
            .iter()
            .find(|b| large(b) == "none" && key(b) == key(r))
            .and_then(|b| b.ns_per_call);
        let own: Vec<String> = r
            .factors
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "large" | "host-profile"))
            .map(|(_, v)| v.clone())
            .collect();
        table.push(vec![
            r.runtime.clone(),
            r.abi.clone(),
            own.join(" "),
            large(r),
            r.ns_per_call.map_or("-".into(), |x| format!("{x:.1}")),
            match (r.ns_per_call, base) {
                (Some(x), Some(b)) if b > 0.0 => format!("{:.2}", x / b),
                _ => "-".into(),
            },
            r.retained_b.map_or("-".into(), bytes),
        ]);
    }
    let mut out = String::from(
        "\nafter one large text (kept: resident bytes the process still held after the small calls)\n",
    );
    out.push_str(&align(&table, 4));
    out
}

/// Aligned columns, those from `numeric` on right-aligned.
fn align(table: &[Vec<String>], numeric: usize) -> String {
    let widths: Vec<usize> = (0..table[0].len())
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in table {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(widths[c] - cell.chars().count());
            if c >= numeric {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// Bytes in KiB, MiB or GiB with three significant digits.
fn bytes(b: f64) -> String {
    let (v, unit) = match b.abs() {
        x if x >= (1u64 << 30) as f64 => (b / (1u64 << 30) as f64, "GiB"),
        x if x >= (1u64 << 20) as f64 => (b / (1u64 << 20) as f64, "MiB"),
        _ => (b / 1024.0, "KiB"),
    };
    match v.abs() {
        x if x >= 100.0 => format!("{v:.0} {unit}"),
        x if x >= 10.0 => format!("{v:.1} {unit}"),
        _ => format!("{v:.2} {unit}"),
    }
}

/// Instances that fit in a GiB of resident memory at `b` bytes each.
fn per_gib(b: f64) -> String {
    if b <= 0.0 {
        return "-".into();
    }
    format!("{:.0}", (1u64 << 30) as f64 / b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use analysis::data::Footprint;

    #[test]
    fn a_footprint_row_reads_in_units_and_per_gib() {
        let mut r: Record = serde_json::from_value(serde_json::json!({
            "scenario": "footprint", "runtime": "wasmtime", "abi": "pair",
            "factors": {"allocator": "pooling", "instances": "100"},
            "status": "ok", "error": null, "calls": 100, "reps": 3,
            "mean_s": null, "sd_s": null, "ci95_low_s": null, "ci95_high_s": null,
            "median_s": null, "min_s": null, "max_s": null, "ns_per_call": null,
            "ratio_to_native": null, "replicate_s": [], "warmup_reps": 0,
            "compile_s": null, "instantiate_s": null, "run_index": 0,
            "hits": null, "byte_hits": null, "object_hit_ratio": null, "byte_hit_ratio": null
        }))
        .unwrap();
        r.footprint = Some(Footprint {
            instances: 100,
            held_b: 262144.0,
            heap_b: 131072.0,
            linear_b: Some(131072.0),
            resident_b: 65536.0,
            address_space_b: 4.0 * (1u64 << 30) as f64,
            returned: 0.9,
            replicate_held_b: vec![250000.0, 262144.0, 270000.0],
        });
        let text = footprints(&[&r]);
        assert!(text.contains("256 KiB"), "{text}");
        assert!(text.contains("128 KiB"), "{text}");
        assert!(text.contains("64.0 KiB"), "{text}");
        assert!(text.contains("4.00 GiB"), "{text}");
        assert!(text.contains("90%"), "{text}");
        assert!(text.contains(" 4096"), "{text}");
        assert!(text.contains("±3.8%"), "{text}");
        assert_eq!(footprints(&[]), "");
    }

    #[test]
    fn an_aftermath_row_is_set_beside_its_baseline() {
        let row = |large: &str, ns: f64, kept: f64| {
            let mut r: Record = serde_json::from_value(serde_json::json!({
                "scenario": "aftermath", "runtime": "wasmtime", "abi": "bincode",
                "factors": {"large": large, "host-profile": "release"},
                "status": "ok", "error": null, "calls": 1000, "reps": 3,
                "mean_s": null, "sd_s": null, "ci95_low_s": null, "ci95_high_s": null,
                "median_s": null, "min_s": null, "max_s": null, "ns_per_call": ns,
                "ratio_to_native": null, "replicate_s": [], "warmup_reps": 0,
                "compile_s": null, "instantiate_s": null, "run_index": 0,
                "hits": null, "byte_hits": null, "object_hit_ratio": null, "byte_hit_ratio": null
            }))
            .unwrap();
            r.retained_b = Some(kept);
            r
        };
        let (none, big) = (
            row("none", 100.0, 0.0),
            row("16MiB", 150.0, 48.0 * 1048576.0),
        );
        let text = aftermath(&[&none, &big]);
        assert!(text.contains("1.50"), "{text}");
        assert!(text.contains("48.0 MiB"), "{text}");
        assert_eq!(aftermath(&[]), "");
    }
}
