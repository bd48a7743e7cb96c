//! What Callgrind counted in one replicate, read from its dump file.

use std::path::Path;

/// What Callgrind counted in one replicate, summed over the whole
/// process (host, runtime, JIT code and guest alike).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Instructions executed (`Ir`).
    pub instructions: u64,
    /// Data reads (`Dr`).
    pub data_reads: u64,
    /// Data writes (`Dw`).
    pub data_writes: u64,
    /// Simulated L1 misses, instruction and data (`I1mr + D1mr + D1mw`);
    /// 0 without `--cache-sim=yes`.
    pub l1_misses: u64,
    /// Simulated last-level misses (`ILmr + DLmr + DLmw`).
    pub ll_misses: u64,
    /// Mispredicted branches, conditional and indirect (`Bcm + Bim`);
    /// 0 without `--branch-sim=yes`.
    pub branch_misses: u64,
}

impl Counts {
    /// Reads a Callgrind output file's `events:` and `totals:` (or
    /// `summary:`) lines; the error is one line naming the file.
    pub fn read(path: &Path) -> Result<Counts, String> {
        let text = analysis::bounded::read_to_string(path, analysis::bounded::limit::RESULTS)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Counts::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of a Callgrind output file.
    pub fn parse(text: &str) -> Result<Counts, String> {
        let mut events: Option<Vec<&str>> = None;
        let mut totals: Option<Vec<u64>> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("events:") {
                events = Some(rest.split_whitespace().collect());
            } else if let Some(rest) = line
                .strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
            {
                let values: Result<Vec<u64>, _> =
                    rest.split_whitespace().map(str::parse::<u64>).collect();
                totals = Some(values.map_err(|e| format!("a bad totals line: {e}"))?);
            }
        }
        let events = events.ok_or("no `events:` line")?;
        let totals = totals.ok_or("no `totals:` line")?;
        let get = |name: &str| {
            events
                .iter()
                .position(|e| *e == name)
                .map_or(0, |i| totals.get(i).copied().unwrap_or(0))
        };
        if !events.contains(&"Ir") {
            return Err("no `Ir` event (not a Callgrind file?)".into());
        }
        Ok(Counts {
            instructions: get("Ir"),
            data_reads: get("Dr"),
            data_writes: get("Dw"),
            l1_misses: get("I1mr") + get("D1mr") + get("D1mw"),
            ll_misses: get("ILmr") + get("DLmr") + get("DLmw"),
            branch_misses: get("Bcm") + get("Bim"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_and_totals() {
        let text = "version: 1\ncreator: callgrind-3.19.0\n\
            events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim\n\
            fn=(1) main\n3 1 2 3\n\
            totals: 1000 200 100 5 6 7 1 2 3 50 4 10 2\n";
        let c = Counts::parse(text).unwrap();
        assert_eq!(
            c,
            Counts {
                instructions: 1000,
                data_reads: 200,
                data_writes: 100,
                l1_misses: 18,
                ll_misses: 6,
                branch_misses: 6,
            }
        );
        // Without simulation, only Ir.
        let c = Counts::parse("events: Ir\nsummary: 42\n").unwrap();
        assert_eq!(c.instructions, 42);
        assert_eq!(c.l1_misses, 0);
        assert!(
            Counts::parse("events: Ir\n")
                .unwrap_err()
                .contains("totals")
        );
        assert!(Counts::parse("totals: 1\n").unwrap_err().contains("events"));
        assert!(Counts::parse("events: X\ntotals: 1\n").is_err());
        assert!(Counts::parse("events: Ir\ntotals: x\n").is_err());
    }
}
