//! The `wit` guest: the `guests/wit-hostcall` component on a runtime's
//! component engine (concurrency support off: the plain synchronous path,
//! as WIT's faster `concurrency` value), one typed call per request
//! through a handle resolved once (`get_typed_func`).

#[cfg(feature = "wasmtime")]
pub use with_components::run;
#[cfg(not(feature = "wasmtime"))]
pub use without_components::run;

#[cfg(feature = "wasmtime")]
mod with_components {
    use std::time::Duration;

    use runtimes::component::{ComponentEngine, ComponentInstance, TypedFunc, trap};
    use runtimes::{EngineConfig, RuntimeId};

    use crate::scenario::hostcall::{Host, HostFn, Outcome, SetupTimes, check, check_host_calls, fold};
    use crate::error::CellError;
    use crate::measure::{Protocol, Subject, measure, Timer};

    impl HostFn {
        /// The component's export that serves a request this way.
        fn wit_export(self) -> &'static str {
            match self {
                HostFn::None => "request-none",
                HostFn::Scalars => "request-scalars",
                HostFn::Bytes => "request-bytes",
            }
        }
    }

    type Request = TypedFunc<(i32, i32), (i64,)>;

    /// Measures one `wit` cell.
    pub fn run(
        runtime: RuntimeId,
        via: HostFn,
        protocol: &Protocol,
        tick: &mut dyn FnMut(),
    ) -> Outcome {
        let wasm = guest_artifacts::guest("wit-hostcall")
            .expect("guests/wit-hostcall is built with every guest");
        let loaded = ComponentEngine::new(runtime, false, EngineConfig::default())
            .and_then(|engine| engine.instantiate(&engine.compile_with_host::<Host>(wasm)?))
            .and_then(|mut live| {
                let f = live
                    .instance
                    .get_typed_func::<(i32, i32), (i64,)>(&mut live.store, via.wit_export())
                    .map_err(trap)?;
                Ok((live, f))
            });
        let (live, func) = match loaded {
            Ok(l) => l,
            Err(e) => return Outcome::failed(e),
        };
        let mut subject = Requests {
            live,
            func,
            via,
            expected: None,
        };
        Outcome::measured(
            measure(&mut subject, protocol, tick),
            SetupTimes::default(),
            None,
        )
    }

    struct Requests {
        live: ComponentInstance,
        func: Request,
        via: HostFn,
        expected: Option<(u64, u64)>,
    }

    /// The timed loop: one typed component call per request.
    #[inline(never)]
    fn requests(live: &mut ComponentInstance, f: &Request, calls: u64) -> runtimes::Result<u64> {
        let mut sum = 0u64;
        for i in 0..calls {
            let (a, b) = micro::operands_i32(i);
            let (x,) = f
                .call(
                    &mut live.store,
                    (std::hint::black_box(a), std::hint::black_box(b)),
                )
                .map_err(trap)?;
            sum = fold(sum, x);
        }
        Ok(sum)
    }

    impl Subject for Requests {
        fn replicate(&mut self, calls: u64) -> Result<Duration, CellError> {
            let before = self.live.host_calls();
            let start = Timer::start();
            let result = requests(&mut self.live, &self.func, calls);
            let elapsed = start.stop();
            check(&mut self.expected, self.via, calls, result?)?;
            check_host_calls(self.via, calls, self.live.host_calls() - before)?;
            Ok(elapsed)
        }
        fn calibrates(&self) -> bool {
            true
        }
    }
}

/// Without Wasmtime there is no component engine.
#[cfg(not(feature = "wasmtime"))]
mod without_components {
    use runtimes::RuntimeId;

    use crate::scenario::hostcall::{HostFn, Outcome};
    use crate::measure::Protocol;

    /// Every `wit` cell is `unsupported`.
    pub fn run(runtime: RuntimeId, _: HostFn, _: &Protocol, _: &mut dyn FnMut()) -> Outcome {
        Outcome::Unsupported(format!(
            "{runtime} cannot host components (this harness was built without Wasmtime)"
        ))
    }
}
