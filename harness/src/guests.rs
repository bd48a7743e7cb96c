//! Bring your own guest: `--guest ABI=PATH.wasm` runs an ABI's cells with
//! a module read from a file instead of the built-in Rust guest, and
//! `--guest ABI@c=PATH.wasm` its `lang=c` cells instead of the built-in C
//! guest (an ABI without one gets C cells). Every row names the module it
//! ran (`guest`, `guest_sha256`), and a module no cell runs is refused.
//!
//! The module is checked against the ABI's contract
//! (docs/guest-contract.md) before anything is timed: compiled and
//! instantiated through the ABI's own host for the run's scenario and every
//! value of the ABI's own factors, which resolves every export the host
//! needs with its signature. A missing or mistyped export is bad input (one
//! line, exit 2); a module that loads but answers wrongly gives `error`
//! cells, as every result is checked against native.

use std::path::PathBuf;

use abi_api::{Abi, Loader, MicroVisitor, Multiply, PayloadVisitor, SimVisitor, Simulator};
use factor::Workload;
use runtimes::{CachedTyped, Engine, EngineConfig, EngineVisitor, ErrorKind, RuntimeId};
use sha2::{Digest, Sha256};

use crate::abis::{AbiChoice, AbiId, AbiVisitor, with_abi};
use crate::factors::Lang;
use crate::scenario::ScenarioId;

/// A guest module given with `--guest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestFile {
    /// The ABI whose built-in guest it replaces.
    pub abi: AbiId,
    /// The language of the built-in guest it replaces: the cells with
    /// this `lang` run it (`ABI@c=PATH`; Rust when not said).
    pub lang: Lang,
    /// Where it was read from, as given.
    pub path: PathBuf,
    /// The SHA-256 of its bytes, hex: what `run.json` and its rows record.
    pub sha256: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl GuestFile {
    /// Parses `ABI[@LANG]=PATH` and reads the file; the error is one line.
    pub fn read(spec: &str) -> Result<GuestFile, String> {
        let Some((target, path)) = spec.split_once('=') else {
            return Err(format!(
                "--guest `{spec}`: expected ABI[@LANG]=PATH.wasm, e.g. pair=my.wasm or pair@c=my.wasm"
            ));
        };
        let (abi, lang) = match target.split_once('@') {
            None => (target, Lang::Rust),
            Some((abi, lang)) => (
                abi,
                lang.parse()
                    .map_err(|e: factor::BadValue| format!("--guest `{spec}`: {e}"))?,
            ),
        };
        let abi: AbiId = abi
            .parse()
            .map_err(|e: factor::BadValue| format!("--guest `{spec}`: {e}"))?;
        let path = PathBuf::from(path);
        let bytes = analysis::bounded::read(&path, analysis::bounded::limit::MODULE)
            .map_err(|e| format!("--guest {target}={}: cannot read it: {e}", path.display()))?;
        Ok(GuestFile {
            abi,
            lang,
            path,
            sha256: sha256(&bytes),
            bytes,
        })
    }

    /// `abi=path` (`abi@lang=path` for another language than Rust).
    pub fn spec(&self) -> String {
        match self.lang {
            Lang::Rust => format!("{}={}", self.abi, self.path.display()),
            lang => format!("{}@{lang}={}", self.abi, self.path.display()),
        }
    }

    /// The guest of the cells it replaces.
    pub fn replaces(&self) -> GuestOf {
        GuestOf::Abi {
            abi: self.abi,
            lang: self.lang,
            variant: None,
        }
    }
}

/// SHA-256 of `bytes`, hex.
fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The guest module a cell runs: what it loads and what its row records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GuestOf {
    /// A native cell: no guest.
    Native,
    /// ABI `abi`'s guest in `lang` (the module given for them with
    /// `--guest`, else the built-in one), or a build `variant` of its
    /// built-in Rust guest (`guest-os`, an ablation's).
    Abi {
        /// The ABI.
        abi: AbiId,
        /// The language.
        lang: Lang,
        /// The build variant (`guest_artifacts::variant`), if not the default.
        variant: Option<&'static str>,
    },
    /// A guest the scenario brings itself: its name and bytes.
    Own {
        /// What the row calls it (`hostile/oom`).
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
}

/// What a cell's link factors say of its guest's language: Rust for
/// links without a `lang` factor.
pub trait GuestLink {
    /// The guest's language.
    fn lang(&self) -> Lang {
        Lang::Rust
    }
}

impl GuestLink for () {}

/// The guest modules of a run: the built-in ones, each replaced by the
/// module given with `--guest` for its ABI and language, if any. A run's
/// cells read their guest from here (it travels with the run's inputs),
/// and their rows name it from here, so a row says what ran.
#[derive(Debug, Clone, Default)]
pub struct Guests {
    given: Vec<GuestFile>,
    /// SHA-256 of built-in modules, computed once each.
    hashes: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<usize, String>>>,
}

impl Guests {
    /// The built-in guests with `given` in place of their own.
    pub fn new(given: Vec<GuestFile>) -> Guests {
        Guests {
            given,
            hashes: Default::default(),
        }
    }

    /// The modules given with `--guest`.
    pub fn given(&self) -> &[GuestFile] {
        &self.given
    }

    /// Whether ABI `abi` has a guest in `lang`: given, or built in.
    pub fn has(&self, abi: AbiId, lang: Lang) -> bool {
        self.file(abi, lang).is_some() || lang.has_guest(abi.id())
    }

    /// The module of ABI `abi` written in `lang`: the one given with
    /// `--guest` for both, else the built-in one (`guests/<abi>` for Rust,
    /// `guests/artifacts/c/<abi>.c` for C); the reason it has none
    /// otherwise, which makes the cell `unsupported`.
    pub fn module(&self, abi: AbiId, lang: Lang) -> Result<&[u8], String> {
        self.abi_bytes(abi, lang, None)
    }

    /// The bytes of guest `of`, or why there are none (`unsupported`).
    pub fn bytes<'a>(&'a self, of: &'a GuestOf) -> Result<&'a [u8], String> {
        match *of {
            GuestOf::Native => Err("a native cell has no guest".into()),
            GuestOf::Own { ref bytes, .. } => Ok(bytes),
            GuestOf::Abi { abi, lang, variant } => self.abi_bytes(abi, lang, variant),
        }
    }

    /// ABI `abi`'s guest in `lang`, in build `variant` if one is named.
    fn abi_bytes(
        &self,
        abi: AbiId,
        lang: Lang,
        variant: Option<&'static str>,
    ) -> Result<&[u8], String> {
        match (variant, lang) {
            (None, _) => match self.file(abi, lang) {
                Some(f) => Ok(&f.bytes),
                None => match lang {
                    Lang::Rust => Ok(guest_artifacts::guest(abi.id())
                        .expect("every registered ABI has a guest (tested)")),
                    Lang::C => guest_artifacts::c_guest(abi.id())
                        .ok_or_else(|| format!("the {abi} ABI has no C guest")),
                },
            },
            (Some(v), Lang::Rust) => guest_artifacts::variant(abi.id(), v)
                .ok_or_else(|| format!("the {abi} guest has no {v} build (the Pair guest has)")),
            (Some(v), Lang::C) => Err(format!("the {abi} C guest has no {v} build")),
        }
    }

    /// What a row records of guest `of`: its name and its bytes' SHA-256;
    /// `None` for a native cell or a guest that does not exist.
    pub fn identify(&self, of: &GuestOf) -> Option<(String, String)> {
        let name = match of {
            GuestOf::Native => return None,
            GuestOf::Own { name, .. } => format!("built-in {name}"),
            GuestOf::Abi { abi, lang, variant } => match (self.file(*abi, *lang), variant) {
                (Some(f), None) => {
                    return Some((format!("file {}", f.path.display()), f.sha256.clone()));
                }
                (_, None) => format!("built-in {lang}"),
                (_, Some(v)) => format!("built-in {lang} {v}"),
            },
        };
        let bytes = self.bytes(of).ok()?;
        let mut hashes = self.hashes.lock().unwrap_or_else(|p| p.into_inner());
        let sha = match of {
            // Built-in modules are static: hashed once per run.
            GuestOf::Abi { .. } => hashes
                .entry(bytes.as_ptr() as usize)
                .or_insert_with(|| sha256(bytes))
                .clone(),
            _ => sha256(bytes),
        };
        Some((name, sha))
    }

    /// The module given for `abi` in `lang`, if any.
    fn file(&self, abi: AbiId, lang: Lang) -> Option<&GuestFile> {
        self.given.iter().find(|f| f.abi == abi && f.lang == lang)
    }
}

/// Checks `file` against its ABI's contract for `scenario` on `runtime`:
/// every value of the ABI's own factors, compiled and instantiated through
/// the ABI's host, under the run's limits (`budget`): a start function
/// that loops or takes memory is stopped here as in a cell. `Ok` when the runtime cannot run the ABI at all (that
/// is an `unsupported` cell, not a bad guest).
pub fn check(
    file: &GuestFile,
    scenario: ScenarioId,
    runtime: RuntimeId,
    budget: runtimes::Budget,
) -> Result<(), String> {
    for &sc in scenario.drives() {
        if !file.abi.info().workloads.contains(&sc) {
            continue;
        }
        for choice in file.abi.choices(sc, runtimes::Caching::Cached) {
            let step = OnEngine {
                choice,
                scenario: sc,
                wasm: &file.bytes,
            };
            let config = EngineConfig::new(runtimes::Limits::On, budget);
            let result = runtimes::visit(runtime, config, step).and_then(|r| r);
            match result {
                Ok(()) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Unsupported(_) | ErrorKind::NotCompiled(_)
                    ) => {}
                Err(e) => {
                    let own: Vec<String> = choice
                        .values(sc)
                        .iter()
                        .map(|v| format!("{}={}", v.name, v.id))
                        .collect();
                    let own = if own.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", own.join(", "))
                    };
                    return Err(format!(
                        "--guest {}: not a {} guest for {sc} on {runtime}{own}: {e}",
                        file.spec(),
                        file.abi
                    ));
                }
            }
        }
    }
    Ok(())
}

struct OnEngine<'a> {
    choice: AbiChoice,
    scenario: Workload,
    wasm: &'a [u8],
}

impl EngineVisitor for OnEngine<'_> {
    type Output = runtimes::Result<()>;
    fn visit<E: Engine>(self, engine: E) -> runtimes::Result<()> {
        with_abi(
            self.choice,
            OnAbi {
                engine,
                scenario: self.scenario,
                wasm: self.wasm,
            },
        )
    }
}

struct OnAbi<'a, E> {
    engine: E,
    scenario: Workload,
    wasm: &'a [u8],
}

impl<E: Engine> AbiVisitor for OnAbi<'_, E> {
    type Output = runtimes::Result<()>;
    fn visit<A: Abi>(self, own: A::Factors) -> runtimes::Result<()> {
        let load = LoadOnly { wasm: self.wasm };
        match self.scenario {
            Workload::Micro => A::micro::<E, CachedTyped, _>(self.engine, own, load)?,
            Workload::Sim => A::sim::<E, CachedTyped, _>(self.engine, own, load)?,
            Workload::Payload => A::payload::<E, CachedTyped, _>(self.engine, own, load)?,
        }
    }
}

/// Compiles and instantiates (resolving every export the host needs).
struct LoadOnly<'a> {
    wasm: &'a [u8],
}

impl LoadOnly<'_> {
    fn load<Ld: Loader>(&self, loader: &Ld) -> runtimes::Result<()> {
        let module = loader.compile(self.wasm)?;
        loader.instantiate(&module).map(drop)
    }
}

impl MicroVisitor for LoadOnly<'_> {
    type Output = runtimes::Result<()>;
    fn visit<Ld: Loader>(self, loader: Ld) -> runtimes::Result<()>
    where
        Ld::Host: Multiply<Error = runtimes::Error> + 'static,
    {
        self.load(&loader)
    }
}

impl SimVisitor for LoadOnly<'_> {
    type Output = runtimes::Result<()>;
    fn visit<Ld: Loader>(self, loader: Ld) -> runtimes::Result<()>
    where
        Ld::Host: Simulator<Error = runtimes::Error> + 'static,
    {
        self.load(&loader)
    }
}

impl PayloadVisitor for LoadOnly<'_> {
    type Output = runtimes::Result<()>;
    fn visit<Ld: Loader>(self, loader: Ld) -> runtimes::Result<()>
    where
        Ld::Host: payload::Exchange<Error = runtimes::Error> + 'static,
    {
        self.load(&loader)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(abi: AbiId, lang: Lang, bytes: &[u8]) -> GuestFile {
        GuestFile {
            abi,
            lang,
            path: "mine.wasm".into(),
            sha256: sha256(bytes),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn a_given_module_replaces_its_abi_in_its_language_only() {
        let built_in = Guests::default();
        let pair = built_in.module(AbiId::Pair, Lang::Rust).unwrap().to_vec();
        let guests = Guests::new(vec![given(AbiId::Pair, Lang::Rust, b"\0asm mine")]);
        assert_eq!(
            guests.module(AbiId::Pair, Lang::Rust).unwrap(),
            b"\0asm mine"
        );
        assert_ne!(pair, b"\0asm mine");
        assert_eq!(
            guests.module(AbiId::Bincode, Lang::Rust).unwrap(),
            built_in.module(AbiId::Bincode, Lang::Rust).unwrap()
        );
        assert_eq!(
            guests.module(AbiId::Pair, Lang::C).unwrap(),
            built_in.module(AbiId::Pair, Lang::C).unwrap()
        );
        let e = guests.module(AbiId::Protobuf, Lang::C).unwrap_err();
        assert!(e.contains("no C guest"), "{e}");
        // A C module: the C cells run it, and an ABI without a built-in
        // C guest gets C cells.
        let guests = Guests::new(vec![given(AbiId::Protobuf, Lang::C, b"\0asm c")]);
        assert!(guests.has(AbiId::Protobuf, Lang::C) && !built_in.has(AbiId::Protobuf, Lang::C));
        assert_eq!(guests.module(AbiId::Protobuf, Lang::C).unwrap(), b"\0asm c");
        assert_ne!(
            guests.module(AbiId::Protobuf, Lang::Rust).unwrap(),
            b"\0asm c"
        );
    }

    #[test]
    fn rows_name_the_module_that_ran_with_its_hash() {
        let guests = Guests::new(vec![given(AbiId::Pair, Lang::C, b"\0asm c")]);
        let of = |abi, lang, variant| GuestOf::Abi { abi, lang, variant };
        let (name, sha) = guests.identify(&of(AbiId::Pair, Lang::C, None)).unwrap();
        assert_eq!(name, "file mine.wasm");
        assert_eq!(sha, sha256(b"\0asm c"));
        let (name, sha) = guests.identify(&of(AbiId::Pair, Lang::Rust, None)).unwrap();
        assert_eq!(name, "built-in rust");
        assert_eq!(sha, sha256(guest_artifacts::guest("pair").unwrap()));
        let (name, sha) = guests
            .identify(&of(AbiId::Pair, Lang::Rust, Some("guest-os")))
            .unwrap();
        assert_eq!(name, "built-in rust guest-os");
        assert_eq!(
            sha,
            sha256(guest_artifacts::variant("pair", "guest-os").unwrap())
        );
        assert_eq!(guests.identify(&GuestOf::Native), None);
        assert_eq!(guests.identify(&of(AbiId::Protobuf, Lang::C, None)), None);
        let own = GuestOf::Own {
            name: "hostile/x".into(),
            bytes: b"abc".to_vec(),
        };
        assert_eq!(
            guests.identify(&own),
            Some(("built-in hostile/x".into(), sha256(b"abc")))
        );
    }

    #[test]
    fn specs_name_an_abi_and_a_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.wasm");
        std::fs::write(&path, b"abc").unwrap();
        let f = GuestFile::read(&format!("pair={}", path.display())).unwrap();
        assert_eq!(f.abi, AbiId::Pair);
        // SHA-256 of "abc".
        assert_eq!(
            f.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(f.lang, Lang::Rust);
        let f = GuestFile::read(&format!("pair@c={}", path.display())).unwrap();
        assert_eq!((f.abi, f.lang), (AbiId::Pair, Lang::C));
        assert_eq!(f.spec(), format!("pair@c={}", path.display()));
        let e = GuestFile::read(&format!("pair@go={}", path.display())).unwrap_err();
        assert!(e.contains("unknown lang `go`"), "{e}");
        let e = GuestFile::read("pair").unwrap_err();
        assert!(e.contains("expected ABI[@LANG]=PATH.wasm"), "{e}");
        let e = GuestFile::read("nope=x.wasm").unwrap_err();
        assert!(e.contains("unknown abi `nope`"), "{e}");
        let e = GuestFile::read("pair=/no/such/file.wasm").unwrap_err();
        assert!(
            e.starts_with("--guest pair=/no/such/file.wasm: cannot read it"),
            "{e}"
        );
    }
}
