//! Byte sizes on the command line and in factor values: `4MiB`, `1GB`,
//! `65536`. Binary (KiB, MiB, GiB) and decimal (KB, MB, GB) suffixes,
//! case-insensitive, optional `B` for bytes.

/// Parses a size; the error is a one-line reason.
pub fn parse(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!("size `{s}` does not start with a number"));
    }
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "size `{s}`: unknown unit `{other}` (use B, KiB, MiB, GiB, KB, MB or GB)"
            ));
        }
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("size `{s}` is too large"))
}

/// The shortest exact spelling: `4MiB`, `1GiB`, `1500B`.
pub fn format(bytes: u64) -> String {
    for (unit, m) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= m && bytes.is_multiple_of(m) {
            return format!("{}{unit}", bytes / m);
        }
    }
    format!("{bytes}B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse("4MiB"), Ok(4 << 20));
        assert_eq!(parse("4 mib"), Ok(4 << 20));
        assert_eq!(parse("1GiB"), Ok(1 << 30));
        assert_eq!(parse("3KB"), Ok(3000));
        assert_eq!(parse("2GB"), Ok(2_000_000_000));
        assert_eq!(parse("65536"), Ok(65536));
        assert_eq!(parse("10B"), Ok(10));
        assert!(parse("MiB").is_err());
        assert!(parse("4TiB").unwrap_err().contains("unknown unit"));
        assert!(parse("-4").is_err());
        assert!(
            parse("99999999999999999999GiB")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn formats_round_trip() {
        for b in [1u64 << 20, 4 << 20, 1 << 30, 1500, 3 << 10, 0] {
            assert_eq!(parse(&format(b)), Ok(b), "{}", format(b));
        }
        assert_eq!(format(4 << 20), "4MiB");
        assert_eq!(format(1536 << 10), "1536KiB");
    }
}
