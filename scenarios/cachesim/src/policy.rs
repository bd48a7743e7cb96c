//! The four replacement policies as one axis value with stable ids and codes.

use core::fmt;
use core::str::FromStr;

/// A cache replacement policy: which object a full cache evicts.
///
/// The kebab-case [`id`](Policy::id) is the one name used on the command
/// line, in result files and in test names; the [`code`](Policy::code) is how
/// a policy crosses an ABI as a plain integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    /// First in, first out: evict in insertion order; hits do not reorder.
    Fifo,
    /// Least recently used: evict the object requested longest ago.
    Lru,
    /// Least frequently used (in-cache counts), ties to the least recently used.
    Lfu,
    /// GreedyDual-Size with cost 1: evict the minimum `H = L + 1/size`.
    Gds,
}

impl Policy {
    /// Every policy, in code order.
    pub const ALL: [Policy; 4] = [Policy::Fifo, Policy::Lru, Policy::Lfu, Policy::Gds];

    /// The kebab-case id: `fifo`, `lru`, `lfu` or `gds`.
    pub fn id(self) -> &'static str {
        match self {
            Policy::Fifo => "fifo",
            Policy::Lru => "lru",
            Policy::Lfu => "lfu",
            Policy::Gds => "gds",
        }
    }

    /// The integer passed across an ABI: 0 = FIFO, 1 = LRU, 2 = LFU, 3 = GDS.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The policy with [`code`](Policy::code) `code`, or `None` for an unknown code.
    pub fn from_code(code: u32) -> Option<Policy> {
        Policy::ALL.get(code as usize).copied()
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a string is not a policy id; its message lists the valid ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsePolicyError {
    /// The rejected input.
    pub input: String,
}

impl fmt::Display for ParsePolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown policy {:?} (expected one of: ", self.input)?;
        for (i, p) in Policy::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(p.id())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for ParsePolicyError {}

impl FromStr for Policy {
    type Err = ParsePolicyError;

    /// Parses an [`id`](Policy::id), exactly (lower case).
    fn from_str(s: &str) -> Result<Policy, ParsePolicyError> {
        Policy::ALL
            .into_iter()
            .find(|p| p.id() == s)
            .ok_or_else(|| ParsePolicyError {
                input: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_codes_round_trip() {
        for p in Policy::ALL {
            assert_eq!(p.to_string().parse::<Policy>(), Ok(p));
            assert_eq!(Policy::from_code(p.code()), Some(p));
        }
        let codes: Vec<u32> = Policy::ALL.iter().map(|p| p.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3]);
        assert_eq!(Policy::from_code(4), None);
        assert_eq!(Policy::Gds.id(), "gds");
    }

    #[test]
    fn parse_error_lists_valid_ids() {
        let e = "LRU2".parse::<Policy>().unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"unknown policy "LRU2" (expected one of: fifo, lru, lfu, gds)"#
        );
    }
}
