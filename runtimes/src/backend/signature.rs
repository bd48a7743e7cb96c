//! The signature check every backend makes when the host resolves a
//! function export: the expected signature as the error states it, and the
//! comparison of an untyped function's types with the ones asked for. The
//! backends differ only in their own value-type enum, which each maps to
//! [`ValType`] with its `val_type`; the check and its error live once, here.

use crate::value::ValType;
use crate::{Error, ErrorKind, Result};

/// What the host asked of a function export, as its error says it: "a
/// function (i32, i32) -> (i32)".
pub(crate) fn func_expected(params: &[ValType], results: &[ValType]) -> String {
    format!("a function {}", crate::signature(params, results))
}

/// The error for function export `name` that is not `params -> results`.
pub(crate) fn wrong_signature(name: &str, params: &[ValType], results: &[ValType]) -> Error {
    Error::from(ErrorKind::ExportType {
        name: name.to_string(),
        expected: func_expected(params, results),
    })
}

/// Whether a backend's value types `have` are exactly `want`, each mapped
/// by `val_type` (`None`, a type the benchmark never passes, matches
/// nothing).
fn same<T>(
    have: impl ExactSizeIterator<Item = T>,
    want: &[ValType],
    val_type: impl Fn(T) -> Option<ValType>,
) -> bool {
    have.len() == want.len() && have.zip(want).all(|(h, w)| val_type(h) == Some(*w))
}

/// `f`, export `name`, if its types `have` (parameters, results), mapped
/// by `val_type`, are exactly `params -> results`; else the
/// [`wrong_signature`] error.
pub(crate) fn check_signature<F, T>(
    f: F,
    name: &str,
    have: (
        impl ExactSizeIterator<Item = T>,
        impl ExactSizeIterator<Item = T>,
    ),
    (params, results): (&[ValType], &[ValType]),
    val_type: impl Fn(T) -> Option<ValType>,
) -> Result<F> {
    if same(have.0, params, &val_type) && same(have.1, results, &val_type) {
        Ok(f)
    } else {
        Err(wrong_signature(name, params, results))
    }
}
