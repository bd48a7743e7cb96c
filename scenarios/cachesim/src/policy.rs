//! The four replacement policies as one axis value with stable ids and codes.

factor::factor_enum! {
    /// A cache replacement policy: which object a full cache evicts.
    ///
    /// The kebab-case [`id`](Policy::id) is the one name used on the command
    /// line, in result files and in test names; the [`code`](Policy::code)
    /// is how a policy crosses an ABI as a plain integer.
    pub enum Policy ("policy", "the cache replacement policy (runs in the guest)") {
        /// First in, first out: evict in insertion order; hits do not reorder.
        Fifo = "fifo",
        /// Least recently used: evict the object requested longest ago.
        Lru = "lru",
        /// Least frequently used (in-cache counts), ties to the least recently used.
        Lfu = "lfu",
        /// GreedyDual-Size with cost 1: evict the minimum `H = L + 1/size`.
        Gds = "gds",
    }
}

impl Policy {
    /// The integer passed across an ABI: 0 = FIFO, 1 = LRU, 2 = LFU, 3 = GDS.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The policy with [`code`](Policy::code) `code`, or `None` for an unknown code.
    pub fn from_code(code: u32) -> Option<Policy> {
        Policy::ALL.get(code as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_codes_round_trip() {
        for &p in Policy::ALL {
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
            "unknown policy `LRU2` (expected one of: fifo, lru, lfu, gds)"
        );
    }
}
