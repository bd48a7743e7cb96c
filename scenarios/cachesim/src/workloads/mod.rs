//! Host-side workloads (feature `workloads`): the ProWGen-like synthetic trace
//! generator and the trace readers and writers.
//!
//! Nothing here runs inside a guest: the harness generates or reads a trace
//! once, holds it in memory, and feeds the same requests to every cell.

mod error;
mod format;
mod generator;
mod reader;
mod rng;
mod writer;

pub use error::{Location, NumberProblem, TraceError, TraceErrorKind};
pub use format::{BINARY_MAGIC, ParseFormatError, ParseSizeChangeError, SizeChange, TraceFormat};
pub use generator::{ConfigError, GeneratorConfig, generate, popularity_counts};
pub use reader::{MAX_LINE_LEN, TraceReader, open_trace, read_trace};
pub use writer::{write_binary, write_text, write_webcachesim};
