//! Units as they appear in factor values and in printed numbers: byte
//! sizes (`4MiB`, the spelling of the `cache-size` and `size` factors),
//! and the fixed precision every table and axis uses, so a number in
//! report.md reads back to the row it came from.

/// Parses a byte size as factor values and the command line spell it:
/// `4MiB`, `1GiB`, `64B`, `3KB`, `65536` (binary and decimal suffixes,
/// case-insensitive, optional `B`). The error is a one-line reason.
pub fn parse_size_checked(s: &str) -> Result<u64, String> {
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

/// [`parse_size_checked`] without the reason: `None` for anything that is
/// not a size; the caller decides whether that matters.
pub fn parse_size(s: &str) -> Option<u64> {
    parse_size_checked(s).ok()
}

/// The shortest exact spelling of a byte count (`4MiB`, `1536KiB`, `100B`),
/// the harness's own: axis labels then match the factor values.
pub fn format_size(bytes: u64) -> String {
    for (unit, m) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= m && bytes.is_multiple_of(m) {
            return format!("{}{unit}", bytes / m);
        }
    }
    format!("{bytes}B")
}

/// Nanoseconds with three significant digits at most and at least one
/// decimal below 100 (`0.562`, `38.1`, `240`, `1922`): the precision the
/// measurements support, used in every table.
pub fn ns(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// Three significant digits (at least one decimal below 100): `0.562`,
/// `38.1`, `240`; for the scaled figures below.
fn sig3(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A time given in nanoseconds, in the unit that keeps it short: `38.1 ns`,
/// `12.3 µs`, `4.56 ms`, `1.20 s`.
pub fn time(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".into();
    }
    let a = ns.abs();
    if a < 1e3 {
        format!("{} ns", self::ns(ns))
    } else if a < 1e6 {
        format!("{} µs", sig3(ns / 1e3))
    } else if a < 1e9 {
        format!("{} ms", sig3(ns / 1e6))
    } else {
        format!("{} s", sig3(ns / 1e9))
    }
}

/// A byte count (fractional, or negative for a shrink) in binary units,
/// three significant digits: `812 B`, `12.3 KiB`, `1.07 MiB`, `-78.9 MiB`,
/// `4.06 GiB`.
pub fn bytes(b: f64) -> String {
    if !b.is_finite() {
        return "-".into();
    }
    let (m, unit) = byte_unit(b.abs());
    if m == 1.0 {
        format!("{b:.0} B")
    } else {
        format!("{} {unit}", sig3(b / m))
    }
}

/// The binary unit a byte count of this size reads best in, and its size
/// in bytes: (1, `B`), (1024, `KiB`), (2^20, `MiB`) or (2^30, `GiB`).
pub fn byte_unit(b: f64) -> (f64, &'static str) {
    let b = b.abs();
    if b >= (1u64 << 30) as f64 {
        ((1u64 << 30) as f64, "GiB")
    } else if b >= (1 << 20) as f64 {
        ((1 << 20) as f64, "MiB")
    } else if b >= 1024.0 {
        (1024.0, "KiB")
    } else {
        (1.0, "B")
    }
}

/// A count or rate with an SI prefix, three significant digits: `523`,
/// `6.94 k`, `167 k`, `1.20 M`.
pub fn si(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let (m, prefix) = si_unit(x);
    if m == 1.0 {
        sig3(x)
    } else {
        format!("{} {prefix}", sig3(x / m))
    }
}

/// The SI prefix a number of this size reads best with, and its factor:
/// (1, ``), (1e3, `k`), (1e6, `M`) or (1e9, `G`).
pub fn si_unit(x: f64) -> (f64, &'static str) {
    let a = x.abs();
    if a >= 1e9 {
        (1e9, "G")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    }
}

/// How many times one figure is another, three significant digits:
/// `1.50×`, `66.7×`, `667×`.
pub fn times(x: f64) -> String {
    if x.is_finite() {
        format!("{}×", sig3(x))
    } else {
        "-".into()
    }
}

/// A share of a whole (0 to 1) as a percentage with one decimal (`98.7%`).
pub fn share(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "-".into()
    }
}

/// A ratio such as a slowdown: two decimals (`3.93`).
pub fn ratio(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "-".into()
    }
}

/// A fraction as a signed percentage with one decimal (`+12.5%`).
pub fn percent(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1}%", x * 100.0)
    } else {
        "-".into()
    }
}

/// An axis tick: as few digits as the value needs.
pub fn tick(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 10.0 || (a - a.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.1}")
    } else if a >= 0.01 {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').to_string()
    } else {
        format!("{x:.1e}")
    }
}

/// At least three significant digits and no more decimals than that
/// needs, trailing zeros dropped: `10`, `1.5`, `0.25`, `1.02`, `65.5`,
/// `4096`: an axis tick already in its unit.
fn short(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || !x.is_finite() {
        return if x.is_finite() {
            "0".into()
        } else {
            "-".into()
        };
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// An axis tick of a time given in nanoseconds, in the unit that keeps
/// it short: `500 ns`, `1.5 µs`, `10 ms`, `2 s` (and `0`).
pub fn time_tick(ns: f64) -> String {
    let a = ns.abs();
    let (m, unit) = if a >= 1e9 {
        (1e9, "s")
    } else if a >= 1e6 {
        (1e6, "ms")
    } else if a >= 1e3 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    };
    match short(ns / m) {
        zero if zero == "0" => zero,
        v => format!("{v} {unit}"),
    }
}

/// An axis tick of a byte count in binary units: `512 B`, `4 KiB`,
/// `1.5 MiB`, `2 GiB` (and `0`).
pub fn bytes_tick(b: f64) -> String {
    let (m, unit) = byte_unit(b);
    match short(b / m) {
        zero if zero == "0" => zero,
        v => format!("{v} {unit}"),
    }
}

/// An axis tick of a count or rate: in full below 10 000 (`4096` reads
/// better than `4.1 k` on an axis of powers of two), else with an SI
/// prefix: `20 k`, `65.5 k`, `1.05 M`, `3 G`.
pub fn count_tick(x: f64) -> String {
    if x.abs() < 1e4 {
        return short(x);
    }
    let (m, prefix) = si_unit(x);
    format!("{} {prefix}", short(x / m))
}

/// A wait for people: `45 s`, `3 min 10 s`, `1 h 05 min` (progress and
/// `--dry-run` estimates).
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "?".into();
    }
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

/// Orders names with embedded numbers naturally (`run-2` before `run-10`,
/// `1` before `256`): folders of sub-runs and factor values sort as a
/// person expects.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, sa), (db, sb)) in ca.iter().zip(&cb) {
        let ord = if *da && *db {
            let (ta, tb) = (sa.trim_start_matches('0'), sb.trim_start_matches('0'));
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
        } else {
            sa.cmp(sb)
        };
        if ord.is_ne() {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// Orders factor values: sizes by bytes, numbers by value, the rest
/// naturally.
pub fn value_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (parse_size(a), parse_size(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => natural_cmp(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn sizes_parse_and_format_like_the_harness() {
        assert_eq!(parse_size("4MiB"), Some(4 << 20));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("64B"), Some(64));
        assert_eq!(parse_size("3KB"), Some(3000));
        assert_eq!(parse_size("65536"), Some(65536));
        assert_eq!(parse_size("fifo"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(format_size(4 << 20), "4MiB");
        assert_eq!(format_size(1536 << 10), "1536KiB");
        assert_eq!(format_size(100), "100B");
    }

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(ns(0.5623), "0.562");
        assert_eq!(ns(38.14), "38.1");
        assert_eq!(ns(240.4), "240");
        assert_eq!(ns(1922.3), "1922");
        assert_eq!(ns(7.504), "7.50");
        assert_eq!(percent(0.125), "+12.5%");
        assert_eq!(percent(-0.5), "-50.0%");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(20.0), "20");
    }

    #[test]
    fn times_bytes_and_rates_read_in_their_unit() {
        assert_eq!(time(38.14), "38.1 ns");
        assert_eq!(time(826.6), "827 ns");
        assert_eq!(time(1377.5), "1.38 µs");
        assert_eq!(time(287_271.5), "287 µs");
        assert_eq!(time(4.56e6), "4.56 ms");
        assert_eq!(time(1.2e9), "1.20 s");
        assert_eq!(time(f64::NAN), "-");
        assert_eq!(bytes(812.0), "812 B");
        assert_eq!(bytes(2448.0), "2.39 KiB");
        assert_eq!(bytes(12_561.2), "12.3 KiB");
        assert_eq!(bytes(1_124_912.0), "1.07 MiB");
        assert_eq!(bytes(-82_685_952.0), "-78.9 MiB");
        assert_eq!(bytes(4_362_076_160.0), "4.06 GiB");
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(byte_unit(3000.0), (1024.0, "KiB"));
        assert_eq!(si(523.0), "523");
        assert_eq!(si(6944.4), "6.94 k");
        assert_eq!(si(166_917.0), "167 k");
        assert_eq!(si(1.2e6), "1.20 M");
        assert_eq!(si_unit(5.0e4), (1e3, "k"));
        assert_eq!(share(0.9873), "98.7%");
        assert_eq!(times(1.5), "1.50×");
        assert_eq!(times(666.666), "667×");
        assert_eq!(times(66.666), "66.7×");
    }

    #[test]
    fn ticks_carry_their_unit() {
        assert_eq!(time_tick(1e7), "10 ms");
        assert_eq!(time_tick(10_000_000.0), "10 ms");
        assert_eq!(time_tick(500.0), "500 ns");
        assert_eq!(time_tick(1500.0), "1.5 µs");
        assert_eq!(time_tick(2e4), "20 µs");
        assert_eq!(time_tick(1e3), "1 µs");
        assert_eq!(time_tick(2.5e9), "2.5 s");
        assert_eq!(time_tick(0.5), "0.5 ns");
        assert_eq!(time_tick(10.0), "10 ns");
        assert_eq!(time_tick(0.0), "0");
        assert_eq!(bytes_tick(512.0), "512 B");
        assert_eq!(bytes_tick(1024.0), "1 KiB");
        assert_eq!(bytes_tick(1536.0), "1.5 KiB");
        assert_eq!(bytes_tick(6003.0), "5.86 KiB");
        assert_eq!(bytes_tick((1u64 << 20) as f64), "1 MiB");
        assert_eq!(bytes_tick((3u64 << 30) as f64), "3 GiB");
        assert_eq!(bytes_tick(0.0), "0");
        assert_eq!(count_tick(1.0), "1");
        assert_eq!(count_tick(4096.0), "4096");
        assert_eq!(count_tick(5000.0), "5000");
        assert_eq!(count_tick(20_000.0), "20 k");
        assert_eq!(count_tick(65_536.0), "65.5 k");
        assert_eq!(count_tick(1_048_576.0), "1.05 M");
        assert_eq!(count_tick(2e6), "2 M");
        assert_eq!(count_tick(0.25), "0.25");
        assert_eq!(count_tick(0.0), "0");
    }

    #[test]
    fn natural_order_reads_numbers() {
        assert_eq!(natural_cmp("run-2", "run-10"), Ordering::Less);
        assert_eq!(natural_cmp("run-10", "run-9"), Ordering::Greater);
        assert_eq!(value_cmp("4MiB", "1GiB"), Ordering::Less);
        assert_eq!(value_cmp("256", "1"), Ordering::Greater);
        assert_eq!(value_cmp("fifo", "lru"), Ordering::Less);
    }

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_size_checked("4MiB"), Ok(4 << 20));
        assert_eq!(parse_size_checked("4 mib"), Ok(4 << 20));
        assert_eq!(parse_size_checked("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size_checked("3KB"), Ok(3000));
        assert_eq!(parse_size_checked("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size_checked("65536"), Ok(65536));
        assert_eq!(parse_size_checked("10B"), Ok(10));
        assert!(parse_size_checked("MiB").is_err());
        assert!(
            parse_size_checked("4TiB")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_size_checked("-4").is_err());
        assert!(
            parse_size_checked("99999999999999999999GiB")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn formats_round_trip() {
        for b in [1u64 << 20, 4 << 20, 1 << 30, 1500, 3 << 10, 0] {
            assert_eq!(
                parse_size_checked(&format_size(b)),
                Ok(b),
                "{}",
                format_size(b)
            );
        }
        assert_eq!(format_size(4 << 20), "4MiB");
        assert_eq!(format_size(1536 << 10), "1536KiB");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(44.6), "45 s");
        assert_eq!(duration(190.0), "3 min 10 s");
        assert_eq!(duration(3900.0), "1 h 05 min");
        assert_eq!(duration(f64::NAN), "?");
    }
}
