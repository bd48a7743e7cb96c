//! Trace writers: the inverse of the readers, for any `Write`.
//!
//! Each writer buffers internally, so passing an unbuffered `File` is fine.

use std::io::{self, BufWriter, Write};

use super::format::BINARY_MAGIC;
use crate::Request;

/// Writes `reqs` in the text format: `id size` per line.
pub fn write_text<W: Write>(out: W, reqs: &[Request]) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    for r in reqs {
        writeln!(w, "{} {}", r.id, r.size)?;
    }
    w.flush()
}

/// Writes `reqs` in the webcachesim format: `time id size` per line, the time
/// being the request's 0-based index.
pub fn write_webcachesim<W: Write>(out: W, reqs: &[Request]) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    for (t, r) in reqs.iter().enumerate() {
        writeln!(w, "{t} {} {}", r.id, r.size)?;
    }
    w.flush()
}

/// Writes `reqs` in the binary format: magic, `u64` LE count, then
/// `(id u32 LE, size u32 LE)` per request.
pub fn write_binary<W: Write>(out: W, reqs: &[Request]) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    w.write_all(&BINARY_MAGIC)?;
    w.write_all(&(reqs.len() as u64).to_le_bytes())?;
    for r in reqs {
        w.write_all(&r.id.to_le_bytes())?;
        w.write_all(&r.size.to_le_bytes())?;
    }
    w.flush()
}
