//! The WIT ABI's guest component (built for wasm32-wasip2 by
//! `guests/artifacts`): the `abilab:bench` world over the scenario crates.
// The bindings wit-bindgen generates carry no doc comments.
#![allow(missing_docs)]

use std::cell::RefCell;

use cachesim::Simulator;

wit_bindgen::generate!({
    path: "../../abis/wit/wit",
    world: "bench",
});

thread_local! {
    /// The guest's simulator (one per instance; wasm is single-threaded).
    static SIM: RefCell<cachesim::Native> = RefCell::new(cachesim::Native::default());
}

struct Component;

impl Guest for Component {
    fn mul_i32(a: i32, b: i32) -> i32 {
        micro::mul_i32(a, b)
    }

    fn mul_f32(a: f32, b: f32) -> f32 {
        micro::mul_f32(a, b)
    }

    fn mul_i32_record(args: OperandsI32) -> i32 {
        micro::mul_i32(args.a, args.b)
    }

    fn mul_f32_record(args: OperandsF32) -> f32 {
        micro::mul_f32(args.a, args.b)
    }

    fn sim_init(policy: Policy, capacity: u64) {
        let p = match policy {
            Policy::Fifo => cachesim::Policy::Fifo,
            Policy::Lru => cachesim::Policy::Lru,
            Policy::Lfu => cachesim::Policy::Lfu,
            Policy::Gds => cachesim::Policy::Gds,
        };
        SIM.with(|s| {
            let Ok(()) = s.borrow_mut().init(p, capacity);
        });
    }

    fn sim_send(r: Request) -> bool {
        SIM.with(|s| {
            let Ok(hit) = s.borrow_mut().send(cachesim::Request::new(r.id, r.size));
            hit
        })
    }

    fn sim_send_batch(rs: Vec<Request>) -> u32 {
        SIM.with(|s| {
            let mut s = s.borrow_mut();
            let mut hits = 0;
            for r in rs {
                let Ok(hit) = s.send(cachesim::Request::new(r.id, r.size));
                hits += u32::from(hit);
            }
            hits
        })
    }

    fn sim_stats() -> Stats {
        SIM.with(|s| {
            let Ok(st) = s.borrow_mut().stats();
            Stats {
                requests: st.requests,
                hits: st.hits,
                bytes: st.bytes,
                byte_hits: st.byte_hits,
            }
        })
    }
}

export!(Component);
