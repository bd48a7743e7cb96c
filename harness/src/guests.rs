//! Bring your own guest: `--guest ABI=PATH.wasm` runs an ABI's cells with
//! a module read from a file instead of the built-in guest.
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
    /// Where it was read from, as given.
    pub path: PathBuf,
    /// The SHA-256 of its bytes, hex: what `run.json` records.
    pub sha256: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl GuestFile {
    /// Parses `ABI=PATH` and reads the file; the error is one line.
    pub fn read(spec: &str) -> Result<GuestFile, String> {
        let Some((abi, path)) = spec.split_once('=') else {
            return Err(format!(
                "--guest `{spec}`: expected ABI=PATH.wasm, e.g. pair=my.wasm"
            ));
        };
        let abi: AbiId = abi
            .parse()
            .map_err(|e: factor::BadValue| format!("--guest `{spec}`: {e}"))?;
        let path = PathBuf::from(path);
        let bytes = analysis::bounded::read(&path, analysis::bounded::limit::MODULE)
            .map_err(|e| format!("--guest {abi}={}: cannot read it: {e}", path.display()))?;
        let sha256 = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(GuestFile {
            abi,
            path,
            sha256,
            bytes,
        })
    }

    /// `abi=path`, as the user wrote it.
    pub fn spec(&self) -> String {
        format!("{}={}", self.abi, self.path.display())
    }
}

/// The guest modules of a run: the built-in ones, each replaced by the
/// module given with `--guest` for its ABI, if any. A run's cells read
/// their guest from here (it travels with the run's inputs), so what ran
/// is what the run was given, with no process-wide state.
#[derive(Debug, Clone, Default)]
pub struct Guests {
    given: Vec<GuestFile>,
}

impl Guests {
    /// The built-in guests with `given` in place of their ABIs' own.
    pub fn new(given: Vec<GuestFile>) -> Guests {
        Guests { given }
    }

    /// The module of ABI `abi` written in `lang`: the one given with
    /// `--guest` (it replaces the Rust guest), else the built-in one
    /// (`guests/<abi>` for Rust, `guests/artifacts/c/<abi>.c` for C); the
    /// reason it has none otherwise, which makes the cell `unsupported`.
    pub fn module(&self, abi: &str, lang: Lang) -> Result<&[u8], String> {
        match lang {
            Lang::Rust => Ok(self.given(abi).unwrap_or_else(|| {
                guest_artifacts::guest(abi).expect("every registered ABI has a guest (tested)")
            })),
            Lang::C => {
                guest_artifacts::c_guest(abi).ok_or_else(|| format!("the {abi} ABI has no C guest"))
            }
        }
    }

    /// The module given for `abi` with `--guest`, if any.
    fn given(&self, abi: &str) -> Option<&[u8]> {
        self.given
            .iter()
            .find(|f| f.abi.id() == abi)
            .map(|f| f.bytes.as_slice())
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

    #[test]
    fn a_given_module_replaces_its_abis_rust_guest_only() {
        let built_in = Guests::default();
        let pair = built_in.module("pair", Lang::Rust).unwrap().to_vec();
        let given = GuestFile {
            abi: AbiId::Pair,
            path: "mine.wasm".into(),
            sha256: String::new(),
            bytes: b"\0asm mine".to_vec(),
        };
        let guests = Guests::new(vec![given]);
        assert_eq!(guests.module("pair", Lang::Rust).unwrap(), b"\0asm mine");
        assert_ne!(pair, b"\0asm mine");
        assert_eq!(
            guests.module("bincode", Lang::Rust).unwrap(),
            built_in.module("bincode", Lang::Rust).unwrap()
        );
        assert_eq!(
            guests.module("pair", Lang::C).unwrap(),
            built_in.module("pair", Lang::C).unwrap()
        );
        let e = guests.module("protobuf", Lang::C).unwrap_err();
        assert!(e.contains("no C guest"), "{e}");
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
        let e = GuestFile::read("pair").unwrap_err();
        assert!(e.contains("expected ABI=PATH.wasm"), "{e}");
        let e = GuestFile::read("nope=x.wasm").unwrap_err();
        assert!(e.contains("unknown abi `nope`"), "{e}");
        let e = GuestFile::read("pair=/no/such/file.wasm").unwrap_err();
        assert!(
            e.starts_with("--guest pair=/no/such/file.wasm: cannot read it"),
            "{e}"
        );
    }
}
