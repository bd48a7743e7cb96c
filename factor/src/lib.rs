//! The matrix's vocabulary. Every axis of abilab (runtime, ABI, caching,
//! operand, policy, an ABI's memory strategy...) is a Rust type declared
//! once with [`factor_enum!`]: its values each have one kebab-case id, used
//! alike on the command line, in `--only`, in result files and in test
//! names, and parsing is the only place a string becomes a value. Groups of
//! factors are structs declared with [`factor_set!`], which can enumerate
//! every combination of their values and write them down.
//!
//! Code that runs a cell holds these types and matches on them
//! exhaustively; no factor value is compared as a string past parsing.
//!
//! `no_std` + `alloc`: the scenario crates that declare factors (the
//! operand, the policy) compile into every guest.
#![no_std]

/// Re-exported for the macros; not part of the API.
#[doc(hidden)]
pub extern crate alloc as __alloc;

use __alloc::string::{String, ToString};
use __alloc::vec::Vec;
use core::fmt;

/// One axis of the matrix: a type whose values have one id each.
///
/// Implemented by [`factor_enum!`] for closed sets of values; a factor
/// whose values come from the user (a cache size) implements it by hand
/// with an empty [`ALL`](Factor::ALL).
pub trait Factor:
    Copy + Eq + fmt::Debug + fmt::Display + core::str::FromStr<Err = BadValue> + Send + Sync + 'static
{
    /// The factor's name: the `--only` key, the result files' column.
    const NAME: &'static str;
    /// One line on what it changes, for `harness list`.
    const ABOUT: &'static str;
    /// Every value, in display order; empty when the values are open.
    const ALL: &'static [Self];
    /// The id of every value of [`ALL`](Factor::ALL), in the same order.
    const IDS: &'static [&'static str];
    /// A number identifying the value within its factor (its position for
    /// an enum, the number itself for a size): what `--only` compares.
    fn key(self) -> u64;
}

/// A string that names no value of a factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue {
    /// The factor, e.g. "runtime".
    pub factor: &'static str,
    /// What the user typed.
    pub given: String,
    /// What would have been accepted, e.g. "one of: a, b".
    pub expected: String,
}

impl BadValue {
    /// The error for a closed factor: its message lists every id.
    pub fn one_of(factor: &'static str, given: &str, ids: &[&str]) -> BadValue {
        BadValue {
            factor,
            given: given.to_string(),
            expected: __alloc::format!("one of: {}", ids.join(", ")),
        }
    }
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} `{}` (expected {})",
            self.factor, self.given, self.expected
        )
    }
}

impl core::error::Error for BadValue {}

/// What the harness knows of a factor without its type: for `harness list`,
/// for validating `--only`, for result columns.
#[derive(Debug, Clone, Copy)]
pub struct FactorInfo {
    /// [`Factor::NAME`].
    pub name: &'static str,
    /// [`Factor::ABOUT`].
    pub about: &'static str,
    /// [`Factor::IDS`] (empty when the values are open).
    pub ids: &'static [&'static str],
    /// Parses one value into its [`Factor::key`].
    pub parse_key: fn(&str) -> Result<u64, BadValue>,
    /// The workloads it applies to; empty for all.
    pub workloads: &'static [Workload],
}

impl FactorInfo {
    /// The description of `F`, for every scenario.
    pub const fn of<F: Factor>() -> FactorInfo {
        FactorInfo {
            name: F::NAME,
            about: F::ABOUT,
            ids: F::IDS,
            parse_key: parse_key::<F>,
            workloads: &[],
        }
    }

    /// The same, restricted to `workloads` (none: every workload).
    pub const fn only(self, workloads: &'static [Workload]) -> FactorInfo {
        FactorInfo { workloads, ..self }
    }

    /// Whether cells of `workload` have this factor.
    pub fn applies(&self, workload: Workload) -> bool {
        __applies(self.workloads, workload)
    }
}

fn parse_key<F: Factor>(s: &str) -> Result<u64, BadValue> {
    s.parse::<F>().map(F::key)
}

/// One factor of one cell, written down: what result files store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorValue {
    /// The factor's name.
    pub name: &'static str,
    /// The value's [`Factor::key`].
    pub key: u64,
    /// The value's id.
    pub id: String,
}

impl FactorValue {
    /// Writes down `value`.
    pub fn of<F: Factor>(value: F) -> FactorValue {
        FactorValue {
            name: F::NAME,
            key: value.key(),
            id: value.to_string(),
        }
    }
}

/// A group of factors held together (an ABI's own factors, the factors a
/// scenario's sandboxed cells add): a struct of [`Factor`]s declared with
/// [`factor_set!`], or `()` for none.
pub trait FactorSet: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// Every factor of the set, in column order.
    const INFO: &'static [FactorInfo];
    /// Every combination of the values of the factors that apply to
    /// `workload` (the others keep their first value), first factor
    /// varying slowest.
    fn combinations(workload: Workload) -> Vec<Self>;
    /// The values of the factors that apply to `workload`.
    fn values(&self, workload: Workload) -> Vec<FactorValue>;
    /// The values of every factor of the set, whatever it is restricted
    /// to: for a scenario's own factors, which no workload restricts.
    fn all_values(&self) -> Vec<FactorValue>;
}

impl FactorSet for () {
    const INFO: &'static [FactorInfo] = &[];
    fn combinations(_: Workload) -> Vec<()> {
        __alloc::vec![()]
    }
    fn values(&self, _: Workload) -> Vec<FactorValue> {
        Vec::new()
    }
    fn all_values(&self) -> Vec<FactorValue> {
        Vec::new()
    }
}

/// Whether a factor restricted to `only` (empty: unrestricted) applies to
/// `workload`. For the macros.
#[doc(hidden)]
pub fn __applies(only: &[Workload], workload: Workload) -> bool {
    only.is_empty() || only.contains(&workload)
}

/// The values a field of a [`factor_set!`] takes in `workload`: all of
/// them where it applies, its first elsewhere. For the macros.
#[doc(hidden)]
pub fn __candidates<F: Factor>(only: &[Workload], workload: Workload) -> &'static [F] {
    if __applies(only, workload) {
        F::ALL
    } else {
        &F::ALL[..F::ALL.len().min(1)]
    }
}

/// Every index tuple of a mixed-radix counter with digit ranges `lens`,
/// last digit fastest. For the macros.
#[doc(hidden)]
pub fn __product(lens: &[usize]) -> Vec<Vec<usize>> {
    let total: usize = lens.iter().product();
    (0..total)
        .map(|mut n| {
            let mut idx = __alloc::vec![0; lens.len()];
            for (slot, &len) in idx.iter_mut().zip(lens).rev() {
                *slot = n % len;
                n /= len;
            }
            idx
        })
        .collect()
}

/// Declares a fieldless enum as a [`Factor`]: each variant has one
/// kebab-case id.
///
/// Generates the enum (`Copy`, `Eq`, `Ord`, `Hash`), `ALL`, `id()`,
/// `Display`, `FromStr` (whose error lists the valid ids) and the
/// [`Factor`] impl:
///
/// ```
/// factor::factor_enum! {
///     /// Where payloads go.
///     pub enum Memory ("memory", "static buffer or a block per call") {
///         /// The static buffer.
///         Static = "static",
///         /// A fresh block.
///         Dynamic = "dynamic",
///     }
/// }
/// assert_eq!("dynamic".parse::<Memory>().unwrap(), Memory::Dynamic);
/// assert_eq!(Memory::Static.to_string(), "static");
/// assert!("huge".parse::<Memory>().is_err());
/// ```
#[macro_export]
macro_rules! factor_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($fname:literal, $about:expr) {
            $( $(#[$vmeta:meta])* $variant:ident = $id:expr, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value of this factor, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The kebab-case id of this value.
            pub const fn id(self) -> &'static str {
                match self { $($name::$variant => $id,)+ }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.pad(self.id())
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::BadValue;
            fn from_str(s: &str) -> ::core::result::Result<Self, $crate::BadValue> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.id() == s)
                    .ok_or_else(|| {
                        $crate::BadValue::one_of($fname, s, <$name as $crate::Factor>::IDS)
                    })
            }
        }

        impl $crate::Factor for $name {
            const NAME: &'static str = $fname;
            const ABOUT: &'static str = $about;
            const ALL: &'static [$name] = &[$($name::$variant),+];
            const IDS: &'static [&'static str] = &[$($id),+];
            fn key(self) -> u64 {
                self as u64
            }
        }
    };
}

/// Declares a struct of [`Factor`]s as a [`FactorSet`].
///
/// A field marked `#[only(Micro, Sim)]` exists only in cells of those
/// scenarios (elsewhere it keeps its first value and is not written down).
///
/// ```
/// factor::factor_enum! {
///     /// Operands.
///     pub enum Args ("args", "two scalars or a record") { Scalars = "scalars", Record = "record", }
/// }
/// factor::factor_enum! {
///     /// A switch.
///     pub enum Switch ("switch", "off or on") { Off = "off", On = "on", }
/// }
/// factor::factor_set! {
///     /// An ABI's own factors.
///     pub struct Own {
///         /// Only the micro scenario has it.
///         #[only(Micro)]
///         pub args: Args,
///         /// Every scenario has it.
///         pub switch: Switch,
///     }
/// }
/// use factor::{FactorSet, Workload};
/// assert_eq!(Own::combinations(Workload::Micro).len(), 4);
/// let sim = Own::combinations(Workload::Sim);
/// assert_eq!(sim.len(), 2);
/// assert_eq!(sim[1].values(Workload::Sim)[0].id, "on");
/// ```
#[macro_export]
macro_rules! factor_set {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $(#[only($($sc:ident),+ $(,)?)])?
                $fvis:vis $field:ident : $ty:ty
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis struct $name {
            $( $(#[doc = $doc])* $fvis $field: $ty, )+
        }

        impl $crate::FactorSet for $name {
            const INFO: &'static [$crate::FactorInfo] = &[
                $( $crate::FactorInfo::of::<$ty>().only(&[$($($crate::Workload::$sc),+)?]), )+
            ];

            fn combinations(workload: $crate::Workload) -> $crate::__alloc::vec::Vec<Self> {
                $(
                    let $field: &'static [$ty] = $crate::__candidates::<$ty>(
                        &[$($($crate::Workload::$sc),+)?],
                        workload,
                    );
                )+
                $crate::__product(&[$($field.len()),+])
                    .into_iter()
                    .map(|idx| {
                        let mut digits = idx.into_iter();
                        $name {
                            $( $field: $field[digits.next().unwrap_or(0)], )+
                        }
                    })
                    .collect()
            }

            fn values(
                &self,
                workload: $crate::Workload,
            ) -> $crate::__alloc::vec::Vec<$crate::FactorValue> {
                let mut out = $crate::__alloc::vec::Vec::new();
                $(
                    if $crate::__applies(&[$($($crate::Workload::$sc),+)?], workload) {
                        out.push($crate::FactorValue::of(self.$field));
                    }
                )+
                out
            }

            fn all_values(&self) -> $crate::__alloc::vec::Vec<$crate::FactorValue> {
                $crate::__alloc::vec![$( $crate::FactorValue::of(self.$field), )+]
            }
        }
    };
}

factor_enum! {
    /// The work an ABI carries between host and guest: each ABI crate
    /// implements the host and guest halves of some of these, and a factor
    /// of an ABI or of a scenario's link can be restricted to some of them.
    /// The harness's scenarios (its own registry) drive one or more of
    /// these; scenarios that bring their own guests (hostile, hostcall)
    /// drive none.
    pub enum Workload ("workload", "the work an ABI carries") {
        /// The paper's micro-benchmark: one multiply per call.
        Micro = "micro",
        /// The paper's macro-benchmark: a cache simulator whose policy runs
        /// in the guest, one call per request.
        Sim = "sim",
        /// Records, text, lists and HTTP-like messages, in, out and both
        /// ways, 16 B to 1 MiB: the paper's open question on complex and
        /// variable-length data.
        Payload = "payload",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use __alloc::vec;

    factor_enum! {
        /// A test factor.
        enum Colour ("colour", "a colour") {
            Red = "red",
            Green = "green",
            Blue = "blue",
        }
    }

    factor_enum! {
        /// Another.
        enum Size ("size", "a size") {
            Small = "s",
            Large = "l",
        }
    }

    factor_set! {
        /// Both.
        struct Both {
            /// Everywhere.
            colour: Colour,
            /// In the simulator only.
            #[only(Sim)]
            size: Size,
        }
    }

    #[test]
    fn enums_round_trip_and_errors_list_every_id() {
        for &c in Colour::ALL {
            assert_eq!(c.id().parse::<Colour>(), Ok(c));
            assert_eq!(Colour::IDS[c.key() as usize], c.id());
        }
        let err = "purple".parse::<Colour>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown colour `purple` (expected one of: red, green, blue)"
        );
        let info = FactorInfo::of::<Colour>();
        assert_eq!((info.parse_key)("blue"), Ok(2));
        assert!((info.parse_key)("Blue").is_err());
    }

    #[test]
    fn sets_enumerate_every_combination_of_what_applies() {
        let sim = Both::combinations(Workload::Sim);
        assert_eq!(sim.len(), 6);
        assert_eq!(
            sim[0],
            Both {
                colour: Colour::Red,
                size: Size::Small
            }
        );
        assert_eq!(
            sim[1],
            Both {
                colour: Colour::Red,
                size: Size::Large
            }
        );
        let micro = Both::combinations(Workload::Micro);
        assert_eq!(micro.len(), 3);
        assert!(micro.iter().all(|b| b.size == Size::Small));
        let names = |b: &Both, s| {
            b.values(s)
                .into_iter()
                .map(|v| (v.name, v.id))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&sim[5], Workload::Sim),
            vec![("colour", "blue".into()), ("size", "l".into())]
        );
        assert_eq!(
            names(&micro[1], Workload::Micro),
            vec![("colour", "green".into())]
        );
        assert!(Both::INFO[1].applies(Workload::Sim));
        assert!(!Both::INFO[1].applies(Workload::Micro));
        assert_eq!(<() as FactorSet>::combinations(Workload::Micro), vec![()]);
    }

    #[test]
    fn product_counts_mixed_radix() {
        assert_eq!(
            __product(&[2, 3]),
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert_eq!(__product(&[]), vec![Vec::<usize>::new()]);
        assert!(__product(&[2, 0]).is_empty());
    }
}
