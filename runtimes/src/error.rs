//! The one error type at the runtime boundary.

use crate::RuntimeId;

/// Something that went wrong between the host and a guest.
///
/// One pointer wide, so `Result<i32, Error>` is as small as the runtimes'
/// own results and a call through the abstraction moves no more bytes than
/// a direct one (the overhead benchmark saw the difference). Built only on
/// failure paths, with no backtrace: with `RUST_BACKTRACE=1` set, a call
/// still costs nothing until it fails.
///
/// It names the export whose call failed, once a linkage has called one
/// (`in `sim_send`: guest trapped: ...`): a guest author reading a row
/// learns which function to look at.
#[derive(Clone, PartialEq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq)]
struct Inner {
    kind: ErrorKind,
    export: Option<&'static str>,
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The export whose call (or answer) failed, if known.
    pub fn export(&self) -> Option<&'static str> {
        self.0.export
    }

    /// This error, attributed to export `name` unless it already is (the
    /// innermost call knows best).
    #[cold]
    #[inline(never)]
    pub fn in_export(mut self, name: &'static str) -> Error {
        self.0.export.get_or_insert(name);
        self
    }
}

impl From<ErrorKind> for Error {
    #[cold]
    #[inline(never)]
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(Inner { kind, export: None }))
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.export {
            Some(export) => write!(f, "{:?} in `{export}`", self.0.kind),
            None => self.0.kind.fmt(f),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.export {
            Some(export) => write!(f, "in `{export}`: {}", self.0.kind),
            None => self.0.kind.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

/// The kinds of [`Error`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    /// The backend's cargo feature is not enabled in this binary.
    #[error("{0} is not compiled into this binary (build with `--features {0}`)")]
    NotCompiled(RuntimeId),
    /// The backend cannot do this at all (e.g. host a component).
    #[error("{0}")]
    Unsupported(String),
    /// The engine could not be configured or created.
    #[error("engine setup failed: {0}")]
    Engine(String),
    /// The wasm bytes did not validate or compile.
    #[error("compile failed: {0}")]
    Compile(String),
    /// Instantiation failed (missing import, start function trapped...).
    #[error("instantiation failed: {0}")]
    Instantiate(String),
    /// The guest has no export of that name.
    #[error("guest has no export `{0}`")]
    MissingExport(String),
    /// The export exists with another type or signature.
    #[error("export `{name}` is not {expected}")]
    ExportType {
        /// The export's name.
        name: String,
        /// What the host asked for, e.g. "a function (i32, i32) -> i32".
        expected: String,
    },
    /// The guest trapped (unreachable, out-of-bounds access, stack overflow...).
    #[error("guest trapped: {0}")]
    Trap(String),
    /// A host access to guest memory fell outside it.
    #[error("{len} bytes at guest address {offset} fall outside the guest's {size}-byte memory")]
    OutOfBounds {
        /// Start of the access.
        offset: u64,
        /// Length of the access.
        len: u64,
        /// The memory's current size in bytes.
        size: u64,
    },
    /// The guest answered something the ABI forbids (a bad pointer, a wrong length...).
    #[error("guest broke the ABI: {0}")]
    Abi(String),
    /// A payload the guest wrote did not decode.
    #[error("decode failed: {0}")]
    Decode(String),
    /// The guest ran past its deadline.
    #[error("deadline: {0}")]
    Timeout(String),
    /// The guest's memory would pass its cap.
    #[error("memory limit: {0}")]
    MemoryLimit(String),
    /// Every slot of the pooling allocator is taken: the instance was
    /// refused, not allocated (a server's admission limit, not a fault of
    /// the guest).
    #[error("pool full: {0}")]
    PoolFull(String),
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Checks that `len` bytes at guest address `offset` lie inside a memory of
/// `size` bytes, without overflowing, and returns them as a host range.
///
/// Every pointer and length a guest hands back goes through here before the
/// host touches memory: the guest is untrusted.
#[inline]
pub fn guest_range(offset: u64, len: u64, size: usize) -> Result<std::ops::Range<usize>> {
    match offset.checked_add(len) {
        Some(end) if end <= size as u64 => Ok(offset as usize..end as usize),
        _ => Err(out_of_bounds(offset, len, size)),
    }
}

#[cold]
#[inline(never)]
fn out_of_bounds(offset: u64, len: u64, size: usize) -> Error {
    ErrorKind::OutOfBounds {
        offset,
        len,
        size: size as u64,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_stay_small() {
        assert_eq!(std::mem::size_of::<Result<i32>>(), 16);
    }

    #[test]
    fn guest_range_checks_bounds_and_overflow() {
        assert_eq!(guest_range(0, 16, 16), Ok(0..16));
        assert_eq!(guest_range(16, 0, 16), Ok(16..16));
        assert!(guest_range(1, 16, 16).is_err());
        assert!(guest_range(17, 0, 16).is_err());
        assert!(guest_range(u64::MAX, 2, 16).is_err());
        let msg = guest_range(65530, 10, 65536).unwrap_err().to_string();
        assert_eq!(
            msg,
            "10 bytes at guest address 65530 fall outside the guest's 65536-byte memory"
        );
    }

    #[test]
    fn an_error_names_the_innermost_export() {
        let e = Error::from(ErrorKind::Trap("unreachable".into()));
        assert_eq!(e.export(), None);
        let e = e.in_export("sim_send").in_export("outer");
        assert_eq!(e.export(), Some("sim_send"));
        assert!(matches!(e.kind(), ErrorKind::Trap(_)));
        assert_eq!(e.to_string(), "in `sim_send`: guest trapped: unreachable");
    }
}
