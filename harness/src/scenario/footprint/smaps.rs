//! The process's memory, two ways: as the kernel accounts it (every
//! mapping of `/proc/self/smaps` with its address range and resident
//! size, so a reading before and after making instances says what they
//! added and where: linear-memory reservations or everything else), and
//! as the allocator does ([`heap_in_use`]: bytes malloc has handed out and
//! not taken back, which the kernel's count misses when freed memory the
//! allocator kept is reused).

use std::collections::HashMap;

/// One mapping: its address range and resident bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Resident bytes (`Rss:`).
    pub rss: u64,
    /// Whether it is part of a linear-memory reservation: a mapping of
    /// [`RESERVATION`] or more, or one of the accessible mappings right
    /// before one (a memory's accessible pages are their own mappings,
    /// anonymous or a copy-on-write image of its data, between a guard
    /// region or another reservation and the inaccessible rest of its
    /// own).
    pub linear: bool,
    /// Whether nothing may touch it (`---p`): a guard region or a
    /// reservation's inaccessible part, where a run of accessible
    /// mappings before a reservation stops.
    noaccess: bool,
}

impl Mapping {
    /// Its address space, bytes.
    pub fn size(&self) -> u64 {
        self.end - self.start
    }
}

/// A mapping at least this large is (the inaccessible part of) a
/// linear-memory reservation: what Wasmtime and Wasmer map per memory (4
/// GiB and a guard region, or a pool of such slots), where no allocator
/// or code mapping is anything like it.
pub const RESERVATION: u64 = 1 << 30;

/// Every mapping of the process now.
pub fn read() -> Result<Vec<Mapping>, String> {
    let text = std::fs::read_to_string("/proc/self/smaps")
        .map_err(|e| format!("/proc/self/smaps: {e}"))?;
    parse(&text)
}

/// Parses the text of `/proc/<pid>/smaps`.
pub fn parse(text: &str) -> Result<Vec<Mapping>, String> {
    let mut out: Vec<Mapping> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bad = || format!("/proc/self/smaps:{}: cannot read `{line}`", n + 1);
        if let Some(kb) = line.strip_prefix("Rss:") {
            let kb = kb.trim().strip_suffix("kB").ok_or_else(bad)?;
            let last = out.last_mut().ok_or_else(bad)?;
            last.rss = kb.trim().parse::<u64>().map_err(|_| bad())? * 1024;
            continue;
        }
        // A mapping's header: `start-end perms offset dev inode [path]`;
        // every other line is `Field: value`.
        let Some(range) = line.split_whitespace().next() else {
            continue;
        };
        if range.ends_with(':') {
            continue;
        }
        let noaccess = line.split_whitespace().nth(1) == Some("---p");
        let (start, end) = range.split_once('-').ok_or_else(bad)?;
        let start = u64::from_str_radix(start, 16).map_err(|_| bad())?;
        let end = u64::from_str_radix(end, 16).map_err(|_| bad())?;
        if end < start {
            return Err(bad());
        }
        out.push(Mapping {
            start,
            end,
            rss: 0,
            linear: false,
            noaccess,
        });
    }
    // The kernel lists mappings in address order: walk down from each
    // reservation over the accessible mappings that touch it.
    let mut run = false;
    let mut next_start = None;
    for m in out.iter_mut().rev() {
        if m.size() >= RESERVATION {
            run = true;
        } else if !(run && next_start == Some(m.end) && !m.noaccess) {
            run = false;
        }
        m.linear = run;
        next_start = Some(m.start);
    }
    Ok(out)
}

/// What happened between two readings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Change {
    /// Resident bytes added (negative if the process shrank).
    pub resident: i64,
    /// Of which in linear-memory reservations ([`Mapping::linear`]).
    pub reserved_resident: i64,
    /// Address space added.
    pub address_space: i64,
    /// Whether the process had any linear-memory reservation at the
    /// second reading: where it had none, the engine keeps linear memory
    /// among its other allocations and the two cannot be told apart.
    pub saw_reservations: bool,
}

/// The change from `before` to `after`, mapping by mapping (keyed by
/// start address: a mapping that split or moved counts as removed and
/// added).
pub fn change(before: &[Mapping], after: &[Mapping]) -> Change {
    let old: HashMap<u64, &Mapping> = before.iter().map(|m| (m.start, m)).collect();
    let new: HashMap<u64, &Mapping> = after.iter().map(|m| (m.start, m)).collect();
    let mut c = Change::default();
    let mut account = |m: &Mapping, sign: i64, matched: Option<&Mapping>| {
        let (rss, size) = match matched {
            Some(o) => (m.rss as i64 - o.rss as i64, m.size() as i64 - o.size() as i64),
            None => (sign * m.rss as i64, sign * m.size() as i64),
        };
        c.resident += rss;
        c.address_space += size;
        if m.linear {
            c.reserved_resident += rss;
        }
    };
    for m in after {
        let matched = old.get(&m.start).copied().filter(|o| o.end == m.end);
        account(m, 1, matched);
    }
    for m in before {
        let survived = new.get(&m.start).is_some_and(|n| n.end == m.end);
        if !survived {
            account(m, -1, None);
        }
    }
    c.saw_reservations = after.iter().any(|m| m.linear);
    c
}

/// The process's resident bytes now (`/proc/self/statm`, one line: cheap
/// enough to check a cap between batches of instances).
pub fn resident() -> Result<u64, String> {
    statm(1)
}

/// The process's address space now, bytes.
pub fn address_space() -> Result<u64, String> {
    statm(0)
}

/// Field `field` of `/proc/self/statm` (pages), in bytes.
fn statm(field: usize) -> Result<u64, String> {
    let text = std::fs::read_to_string("/proc/self/statm")
        .map_err(|e| format!("/proc/self/statm: {e}"))?;
    let pages: u64 = text
        .split_whitespace()
        .nth(field)
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("/proc/self/statm: cannot read `{}`", text.trim()))?;
    Ok(pages * page_size())
}

/// How many mappings the process has now (`/proc/self/maps` lines).
pub fn count() -> Result<usize, String> {
    std::fs::read_to_string("/proc/self/maps")
        .map(|t| t.lines().count())
        .map_err(|e| format!("/proc/self/maps: {e}"))
}

/// The most mappings the kernel allows a process
/// (`/proc/sys/vm/max_map_count`).
pub fn max_count() -> Result<usize, String> {
    let text = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .map_err(|e| format!("/proc/sys/vm/max_map_count: {e}"))?;
    text.trim()
        .parse()
        .map_err(|_| format!("/proc/sys/vm/max_map_count: cannot read `{}`", text.trim()))
}

/// Bytes the C allocator (glibc's malloc, which Rust's `System`
/// allocator and the engines use here) has handed out and not had back,
/// over all its arenas, mmapped blocks included (`mallinfo2`:
/// `uordblks + hblkhd`).
pub fn heap_in_use() -> u64 {
    // SAFETY: mallinfo2 has no preconditions; it locks each arena while
    // it sums it.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as u64
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(n).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d0a0000000-55d0a0021000 rw-p 00000000 00:00 0                          [heap]
Size:                132 kB
Rss:                 100 kB
Pss:                 100 kB
7efffd000000-7effff000000 ---p 00000000 00:00 0
Rss:                   0 kB
7effff000000-7effff800000 rw-p 00000000 00:01 1234                       /memfd:wasm-memory-image (deleted)
Rss:                  16 kB
7effff800000-7f0000000000 rw-p 00000000 00:00 0
Rss:                  64 kB
7f0000000000-7f0180000000 ---p 00000000 00:00 0
Size:            6291456 kB
Rss:                  64 kB
VmFlags: rd wr mr mw me ac
7ffd00000000-7ffd00001000 r-xp 00000000 00:00 0                          [vdso]
Rss:                   4 kB
";

    #[test]
    fn parses_ranges_and_resident_sizes() {
        let m = parse(SMAPS).unwrap();
        assert_eq!(m.len(), 6);
        assert_eq!(m[0].rss, 100 * 1024);
        assert_eq!(m[4].size(), 6 << 30);
        assert_eq!(m[5].rss, 4096);
        // A memory's accessible mappings (its data image and anonymous
        // pages) right before its reservation are linear memory; the
        // guard before them, the heap and the vdso are not.
        let linear: Vec<bool> = m.iter().map(|m| m.linear).collect();
        assert_eq!(linear, [false, false, true, true, true, false]);
        assert!(parse("zz-10 r--p\n").is_err());
        assert!(parse("Rss: 4 kB\n").is_err(), "a field before any mapping");
    }

    #[test]
    fn a_change_separates_reservations_from_the_rest() {
        let before = parse(SMAPS).unwrap();
        let mut after = before.clone();
        after[0].rss += 40 * 1024; // the heap grew
        after[3].rss += 256 * 1024; // a memory's accessible pages were touched
        after.push(Mapping {
            start: 0x7f2000000000,
            end: 0x7f2000000000 + (6 << 30),
            rss: 128 * 1024,
            linear: true,
            noaccess: true,
        }); // a new instance's memory
        after.remove(5); // a mapping went away
        let c = change(&before, &after);
        assert_eq!(c.resident, (40 + 256 + 128 - 4) * 1024);
        assert_eq!(c.reserved_resident, (256 + 128) * 1024);
        assert_eq!(c.address_space, (6 << 30) - 4096);
        assert!(c.saw_reservations);
        let heap_only = change(&before[..1], &after[..1]);
        assert!(!heap_only.saw_reservations);
        assert_eq!(heap_only.resident, 40 * 1024);
    }

    #[test]
    fn this_process_reads_itself() {
        let m = read().unwrap();
        assert!(m.iter().any(|m| m.rss > 0));
        assert!(resident().unwrap() > 0);
        assert!(address_space().unwrap() >= resident().unwrap());
        assert!(count().unwrap() >= m.len() / 2);
        assert!(max_count().unwrap() > 1000);
        // A megabyte held is a megabyte more in use, and back when freed.
        let base = heap_in_use();
        let block = std::hint::black_box(vec![1u8; 1 << 20]);
        let held = heap_in_use();
        assert!(held >= base + (1 << 20), "{base} -> {held}");
        drop(block);
        assert!(heap_in_use() < held, "freed");
    }
}
