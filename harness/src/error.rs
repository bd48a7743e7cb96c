//! Why a cell failed, typed: its class goes into the result files
//! (`error_class`) beside the message, so a reader can tell a trap from a
//! wrong answer without parsing text.

use std::fmt;

use runtimes::ErrorKind;

factor::factor_enum! {
    /// The kind of failure of a cell.
    pub enum ErrorClass ("error class", "why a cell failed") {
        /// The engine could not be created.
        Engine = "engine",
        /// The guest did not validate or compile.
        Compile = "compile",
        /// Instantiation failed.
        Instantiate = "instantiate",
        /// An export the ABI needs is missing.
        MissingExport = "missing-export",
        /// An export has the wrong type or signature.
        ExportType = "export-type",
        /// The guest trapped.
        Trap = "trap",
        /// A guest pointer or length fell outside its memory.
        OutOfBounds = "out-of-bounds",
        /// The guest broke the ABI's protocol.
        Abi = "abi",
        /// A payload from the guest did not decode.
        Decode = "decode",
        /// The guest computed something other than native.
        WrongResult = "wrong-result",
        /// The cell cannot run in this build or on this runtime.
        Unsupported = "unsupported",
        /// Too few replicates to summarise.
        NoSamples = "no-samples",
        /// The guest or the cell ran past its deadline.
        Timeout = "timeout",
        /// The guest's memory would pass its cap.
        MemoryLimit = "memory-limit",
        /// The pooling allocator had no free slot for another instance.
        PoolFull = "pool-full",
        /// The cell stopped at a cap its scenario states (footprint:
        /// resident memory added, the kernel's mapping limit).
        Cap = "cap",
        /// The host code of the cell panicked (caught; the run goes on).
        Panic = "panic",
        /// The cell's child process died (`--isolate`).
        Crash = "crash",
        /// The host could not do its part (an allocation refused, say).
        Host = "host",
        /// A hostile guest was not stopped (the hostile scenario).
        NotContained = "not-contained",
    }
}

/// A failed cell: its class and a one-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// What kind of failure.
    pub class: ErrorClass,
    /// What happened, in one line.
    pub message: String,
}

impl CellError {
    /// A failure of `class`. The message is kept to one line (runtimes'
    /// errors may carry a multi-line wasm backtrace).
    pub fn new(class: ErrorClass, message: impl Into<String>) -> CellError {
        let message: String = message.into();
        let message = if message.contains('\n') {
            message.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            message
        };
        CellError { class, message }
    }

    /// The sandboxed result differs from native's.
    #[cold]
    pub fn wrong_result(message: impl Into<String>) -> CellError {
        CellError::new(ErrorClass::WrongResult, message)
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<runtimes::Error> for CellError {
    #[cold]
    fn from(e: runtimes::Error) -> CellError {
        let class = match e.kind() {
            ErrorKind::NotCompiled(_) | ErrorKind::Unsupported(_) => ErrorClass::Unsupported,
            ErrorKind::Engine(_) => ErrorClass::Engine,
            ErrorKind::Compile(_) => ErrorClass::Compile,
            ErrorKind::Instantiate(_) => ErrorClass::Instantiate,
            ErrorKind::MissingExport(_) => ErrorClass::MissingExport,
            ErrorKind::ExportType { .. } => ErrorClass::ExportType,
            ErrorKind::Trap(_) => ErrorClass::Trap,
            ErrorKind::OutOfBounds { .. } => ErrorClass::OutOfBounds,
            ErrorKind::Abi(_) => ErrorClass::Abi,
            ErrorKind::Decode(_) => ErrorClass::Decode,
            ErrorKind::Timeout(_) => ErrorClass::Timeout,
            ErrorKind::MemoryLimit(_) => ErrorClass::MemoryLimit,
            ErrorKind::PoolFull(_) => ErrorClass::PoolFull,
        };
        CellError::new(class, e.to_string())
    }
}

impl From<std::convert::Infallible> for CellError {
    fn from(e: std::convert::Infallible) -> CellError {
        match e {}
    }
}
