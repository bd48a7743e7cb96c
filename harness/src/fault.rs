//! Faults injected into cells on purpose (`--inject-fault`), so tests can
//! show that a panic or an abort costs its cell only.

/// A fault injected into a cell, to test containment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Cells whose id contains this.
    pub cells: String,
}

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The host code of the cell panics.
    Panic,
    /// The process aborts.
    Abort,
}

impl Fault {
    /// Parses `panic:SUBSTRING` or `abort:SUBSTRING`.
    pub fn parse(s: &str) -> Result<Fault, String> {
        let (kind, cells) = s
            .split_once(':')
            .ok_or_else(|| format!("--inject-fault `{s}` is not panic:CELLS or abort:CELLS"))?;
        let kind = match kind {
            "panic" => FaultKind::Panic,
            "abort" => FaultKind::Abort,
            other => {
                return Err(format!(
                    "--inject-fault: unknown fault `{other}` (panic, abort)"
                ));
            }
        };
        Ok(Fault {
            kind,
            cells: cells.to_string(),
        })
    }
}
