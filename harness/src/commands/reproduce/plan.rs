//! What `results/reference/` holds: every configuration of the committed
//! reference, the arguments that make it, how long it takes on the
//! reference machine, and what it is for. One list, so the folder, its
//! index and the docs that quote it cannot name different runs.
//!
//! Budgets are wall-clock minutes on the reference machine (2-vCPU EPYC
//! VM, release build with every backend): one and a half times what the
//! run that produced the committed folders took (each folder's
//! `reproduce.json`), rounded up; a step that takes three times its
//! budget is stopped as hung. `--runs 3` wherever a claim, a verdict or a
//! comparison in the docs depends on the figure: between-run noise here
//! exceeds within-run intervals (docs/methodology.md).

/// How a configuration is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Make {
    /// `harness matrix ARGS --out <folder>`.
    Matrix(&'static str),
    /// `harness report <folders...> --out <folder>`: a report over
    /// configurations made before it (counted beside timed, the claims
    /// over the paper's runs).
    Report(&'static [&'static str]),
}

/// One folder of the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Its folder under the reference (`compare-runs/a`).
    pub name: &'static str,
    /// How it is made.
    pub make: Make,
    /// Minutes it takes on the reference machine.
    pub budget_min: u32,
    /// What it shows, for the index.
    pub shows: &'static str,
}

/// The reference, in the order it is made (a report after what it reads).
pub const REFERENCE: &[Config] = &[
    // Counted and memory measures first: they hold on a busy machine, so
    // a reproduction spread over two sittings can run them while other
    // work goes on. The timed ones after, on a quiet machine.
    Config {
        name: "payload-callgrind",
        make: Make::Matrix(
            "--scenario payload --measure callgrind --runtime wasmtime --abi all \
             --only shape=string --only direction=roundtrip --only lang=rust",
        ),
        budget_min: 48,
        shows: "text round trips 16 B to 1 MiB on every ABI, counted (instructions, data \
                accesses, simulated misses per call)",
    },
    Config {
        name: "micro-callgrind",
        make: Make::Matrix(
            "--measure callgrind --runtime all --abi pair --only loading=preload \
             --only operand=i32 --only handles=owned --only limits=off --only lang=rust",
        ),
        budget_min: 12,
        shows: "the README's sample counted instead of timed, with the anatomy of a call",
    },
    Config {
        name: "callgrind-anatomy",
        make: Make::Matrix(
            "--measure callgrind --runtime wasmtime,wasmer-cranelift \
             --abi pair,bytemuck,bincode,protobuf,wit,extism --only caching=cached \
             --only call=typed --only limits=off --only loading=preload --only operand=i32 \
             --only handles=owned --only lang=rust",
        ),
        budget_min: 8,
        shows: "the anatomy of one mul(i32, i32) call per ABI: guest, runtime, host ABI, \
                harness, std, libc",
    },
    Config {
        name: "footprint",
        make: Make::Matrix("--scenario footprint --runtime all --abi all"),
        budget_min: 27,
        shows: "memory per kept instance with 1 to 10,000 alive, address space, what a drop \
                gives back",
    },
    Config {
        name: "hostile",
        make: Make::Matrix("--scenario hostile --runtime all"),
        budget_min: 2,
        shows: "the hostile guests on every runtime, each contained (docs/robustness.md)",
    },
    // Timed: nothing else may run on the machine from here.
    Config {
        name: "compare-runs/a",
        make: Make::Matrix(
            "--runtime all --abi pair --only loading=preload --only operand=i32 --runs 5 \
             --cell-budget 1",
        ),
        budget_min: 3,
        shows: "the README's sample: Pair on every runtime, caching × call style × handles, five \
                processes (between-run intervals); with b, `harness compare` over runs",
    },
    Config {
        name: "compare-runs/b",
        make: Make::Matrix(
            "--runtime all --abi pair --only loading=preload --only operand=i32 --runs 5 \
             --cell-budget 1",
        ),
        budget_min: 3,
        shows: "the same again, right after: a second batch of one build",
    },
    Config {
        name: "paper-micro",
        make: Make::Matrix(
            "--scenario micro --runtime wasmer-cranelift,wasmtime --abi pair,bytemuck,bincode \
             --only operand=i32 --only lang=rust,c --cell-budget 1 --runs 3",
        ),
        budget_min: 7,
        shows: "the paper's micro-benchmark (its three ABIs, every caching, call, loading and \
                handle mode), on its runtime and on Wasmtime, Rust and the paper-sized C \
                guest: the micro claims, three processes",
    },
    Config {
        name: "paper-debug",
        make: Make::Matrix(
            "--scenario micro --runtime wasmer-cranelift,wasmtime --abi pair,bytemuck,bincode \
             --only operand=i32 --only lang=rust,c --host-profile debug --cell-budget 1",
        ),
        budget_min: 18,
        shows: "the same cells with the whole host built at opt-level 0 (the debug host; \
                built first, minutes): beside paper-micro's release cells, the release-vs-debug \
                and debug hotload claims (one process: `--runs` and `--host-profile` do not \
                combine, and a ratio of ~10× does not need between-run intervals)",
    },
    Config {
        name: "paper-sim",
        make: Make::Matrix(
            "--scenario sim --runtime wasmer-cranelift,wasmtime --abi pair,bytemuck,bincode \
             --only batch=1 --only limits=off --reps 5 --runs 3",
        ),
        budget_min: 10,
        shows: "the paper's simulator (its three ABIs, cached and uncached, one request per \
                call, hit-ratio sweep) on its runtime and on Wasmtime: the simulator claims, \
                three processes",
    },
    Config {
        name: "claims",
        make: Make::Report(&["paper-micro", "paper-debug", "paper-sim"]),
        budget_min: 1,
        shows: "the report over paper-micro, paper-debug and paper-sim: every claim of the paper with its \
                verdict, the cells it used and the interval it was judged on \
                (docs/paper-comparison.md's verdict table)",
    },
    Config {
        name: "engines",
        make: Make::Matrix(
            "--runtime all --abi all --only loading=preload --only operand=i32 \
             --only caching=cached --only call=typed --only lang=rust,c --only limits=on,off \
             --cell-budget 0.3 --runs 3",
        ),
        budget_min: 8,
        shows: "every ABI (Extism included) on every engine, Rust and C guests, limits on and \
                off, typed cached calls: the engine and ABI tables, three processes",
    },
    Config {
        name: "sim",
        make: Make::Matrix(
            "--scenario sim --runtime wasmer-cranelift,wasmer-singlepass,wasmtime \
             --abi pair,bytemuck --only caching=cached --only batch=1,in-guest \
             --only limits=off --only handles=owned --reps 3",
        ),
        budget_min: 2,
        shows: "the paper's Figures 8 and 9 on Wasmer Cranelift and Singlepass and Wasmtime: \
                every policy per request (batch 1) and replayed inside the guest (in-guest), \
                the hit-ratio sweep; LLVM, Winch and the interpreters are left out to keep the \
                reference within its budget (a replay costs an interpreter seconds)",
    },
    Config {
        name: "sim-batch",
        make: Make::Matrix(
            "--scenario sim --runtime wasmer-cranelift,wasmtime --abi all --only caching=cached \
             --only limits=off --only policy=lru --only handles=owned --requests 100000 \
             --sweep none --reps 5",
        ),
        budget_min: 1,
        shows: "cost per request against batch size, every ABI that batches",
    },
    Config {
        name: "ablation",
        make: Make::Matrix(
            "--scenario sim --runtime wasmer-cranelift,wasmtime --abi pair --ablation all \
             --only batch=1,in-guest --only caching=cached --only limits=off \
             --only handles=owned --sweep none --reps 3 --runs 3",
        ),
        budget_min: 5,
        shows: "every ablation of the simulator beside its default build, per request and in \
                the guest: how much of the compute gap each change explains, three processes",
    },
    Config {
        name: "payload",
        make: Make::Matrix(
            "--scenario payload --runtime wasmer-cranelift,wasmtime --abi all --reps 10 \
             --warmup 0.05",
        ),
        budget_min: 12,
        shows: "every shape, direction and size through every ABI, with the cost model \
                (weighted fits) and the crossovers",
    },
    Config {
        name: "lang-payload",
        make: Make::Matrix(
            "--scenario payload --runtime wasmtime,wasmer-cranelift,wasmi --abi bytemuck \
             --only size=fixed,256B,4KiB,64KiB --only shape=record,string,list \
             --only memory=static --only lang=rust,c --reps 10",
        ),
        budget_min: 1,
        shows: "the C guest against the Rust guest on the payload shapes Bytemuck carries",
    },
    Config {
        name: "payload-callgrind-timed",
        make: Make::Matrix(
            "--scenario payload --runtime wasmtime --abi all --only shape=string \
             --only direction=roundtrip --only lang=rust",
        ),
        budget_min: 1,
        shows: "the same cells timed",
    },
    Config {
        name: "payload-counts-vs-time",
        make: Make::Report(&["payload-callgrind-timed", "payload-callgrind"]),
        budget_min: 1,
        shows: "counts against times over the payload cells: Spearman's ρ and time per \
                instruction by size",
    },
    Config {
        name: "micro-callgrind-timed",
        make: Make::Matrix(
            "--runtime all --abi pair --only loading=preload --only operand=i32 \
             --only handles=owned --only limits=off --only lang=rust",
        ),
        budget_min: 1,
        shows: "the same cells timed",
    },
    Config {
        name: "micro-counts-vs-time",
        make: Make::Report(&["micro-callgrind-timed", "micro-callgrind"]),
        budget_min: 1,
        shows: "counts against times per runtime (Spearman's ρ)",
    },
    Config {
        name: "hostcall",
        make: Make::Matrix("--scenario hostcall --runtime all --reps 30"),
        budget_min: 1,
        shows: "the guest calling imported host functions, against the guest call alone and \
                native",
    },
    Config {
        name: "threads",
        make: Make::Matrix("--scenario threads --runtime all --abi pair"),
        budget_min: 4,
        shows: "calls per second with 1, 2, 4 and 8 threads on the machine's cores",
    },
    Config {
        name: "phases",
        make: Make::Matrix("--scenario phases --runtime all --abi pair,bytemuck,wit"),
        budget_min: 2,
        shows: "compile (and cached load), instantiate and first call: p50 and p99 per engine",
    },
    Config {
        name: "serve",
        make: Make::Matrix("--scenario serve --runtime all --abi all"),
        budget_min: 2,
        shows: "a request on a fresh instance or a kept one, pooling against on-demand",
    },
    Config {
        name: "async",
        make: Make::Matrix(
            "--scenario async --runtime wasmtime,wasmtime-winch,wasmtime-pulley --abi pair,wit \
             --protocol fixed --reps 20000 --runs 3",
        ),
        budget_min: 1,
        shows: "call_async beside call, core and component, concurrency support on and off, \
                three processes",
    },
    Config {
        name: "aftermath",
        make: Make::Matrix("--scenario aftermath --runtime all --abi all"),
        budget_min: 4,
        shows: "small calls after one large message, and the memory the message leaves",
    },
];

impl Config {
    /// The arguments after `harness`.
    pub fn args(&self) -> Vec<String> {
        match self.make {
            Make::Matrix(args) => std::iter::once("matrix")
                .chain(args.split_whitespace())
                .map(String::from)
                .collect(),
            Make::Report(inputs) => std::iter::once("report")
                .chain(inputs.iter().copied())
                .map(String::from)
                .collect(),
        }
    }

    /// `harness matrix ...` as a reader would type it.
    pub fn command(&self) -> String {
        format!("harness {}", self.args().join(" "))
    }
}

/// The total of the budgets, minutes.
pub fn total_min(configs: &[&Config]) -> u32 {
    configs.iter().map(|c| c.budget_min).sum()
}

/// The configurations named (all of them if `names` is empty); an unknown
/// name is an error naming the known ones.
pub fn select(names: &[String]) -> Result<Vec<&'static Config>, String> {
    if names.is_empty() {
        return Ok(REFERENCE.iter().collect());
    }
    for n in names {
        if !REFERENCE.iter().any(|c| c.name == n) {
            let known: Vec<&str> = REFERENCE.iter().map(|c| c.name).collect();
            return Err(format!(
                "no reference configuration `{n}` (known: {})",
                known.join(", ")
            ));
        }
    }
    Ok(REFERENCE
        .iter()
        .filter(|c| names.iter().any(|n| n == c.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_reports_read_what_comes_before_them() {
        for (i, c) in REFERENCE.iter().enumerate() {
            assert!(
                REFERENCE[..i].iter().all(|o| o.name != c.name),
                "{} twice",
                c.name
            );
            if let Make::Report(inputs) = c.make {
                for input in inputs {
                    assert!(
                        REFERENCE[..i].iter().any(|o| o.name == *input),
                        "{} reads {input}, which is not made before it",
                        c.name
                    );
                }
            }
            assert!(c.budget_min > 0, "{} has no budget", c.name);
        }
    }

    #[test]
    fn the_runner_alone_chooses_where_and_how_much() {
        for c in REFERENCE {
            if let Make::Matrix(args) = c.make {
                assert!(!args.contains("--out"), "{} chooses its own --out", c.name);
                assert!(
                    !args.contains("--quick"),
                    "{}: a reference is not quick",
                    c.name
                );
            }
        }
    }

    #[test]
    fn selecting_refuses_unknown_names() {
        assert_eq!(select(&[]).unwrap().len(), REFERENCE.len());
        assert_eq!(select(&["sim".into()]).unwrap()[0].name, "sim");
        let e = select(&["nope".into()]).unwrap_err();
        assert!(e.contains("no reference configuration `nope`"), "{e}");
    }
}
