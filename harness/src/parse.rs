//! Lists on the command line: `all` or comma-separated ids, and cache
//! sizes. Shared by every command that takes them.

use std::str::FromStr;

use factor::BadValue;

use crate::scenario::sim::CacheSize;

/// `all`, or a comma-separated list of ids, deduplicated, in the order given.
pub fn parse_list<T: FromStr<Err = BadValue> + Copy + PartialEq>(
    s: &str,
    all: &[T],
) -> Result<Vec<T>, BadValue> {
    if s == "all" {
        return Ok(all.to_vec());
    }
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim) {
        let v = part.parse::<T>()?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Parses a comma-separated list of cache sizes (`none` for an empty list).
pub fn parse_sizes(s: &str) -> Result<Vec<CacheSize>, String> {
    if s.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let size: CacheSize = part.trim().parse().map_err(|e: BadValue| e.to_string())?;
        if !out.contains(&size) {
            out.push(size);
        }
    }
    Ok(out)
}
