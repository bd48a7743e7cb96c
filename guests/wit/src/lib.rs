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
            let Ok(()) = s.borrow_mut().init(p.into(), capacity);
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

    fn record_in(r: PayloadRecord) -> u64 {
        payload::digest_record(&from_wit(r))
    }

    fn record_out(seed: u64) -> PayloadRecord {
        to_wit(payload::make_record(seed))
    }

    fn record_roundtrip(r: PayloadRecord) -> PayloadRecord {
        to_wit(payload::transform_record(&from_wit(r)))
    }

    fn string_in(s: String) -> u64 {
        payload::Digest::new().str(&s).finish()
    }

    fn string_out(seed: u64, len: u32) -> String {
        payload::make_string(seed, len as usize)
    }

    fn string_roundtrip(s: String) -> String {
        payload::transform_string(&s)
    }

    fn list_in(xs: Vec<u32>) -> u64 {
        payload::digest_list(&xs)
    }

    fn list_out(seed: u64, n: u32) -> Vec<u32> {
        payload::make_list(seed, n as usize)
    }

    fn list_roundtrip(xs: Vec<u32>) -> Vec<u32> {
        payload::transform_list(&xs)
    }

    fn nested_in(
        method: Method,
        url: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> u64 {
        payload::digest_request(&request(method, url, headers, body))
    }

    fn nested_out(seed: u64, body_len: u32) -> HttpResponse {
        response(payload::make_response(seed, body_len as usize))
    }

    fn nested_roundtrip(
        method: Method,
        url: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> HttpResponse {
        response(payload::respond(&request(method, url, headers, body)))
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

fn from_wit(r: PayloadRecord) -> payload::Record {
    payload::Record {
        id: r.id,
        x: r.x,
        y: r.y,
        count: r.count,
        port: r.port,
        flags: r.flags,
    }
}

fn to_wit(r: payload::Record) -> PayloadRecord {
    PayloadRecord {
        id: r.id,
        x: r.x,
        y: r.y,
        count: r.count,
        port: r.port,
        flags: r.flags,
    }
}

/// The parts a request arrives in, as the scenario's type (moved, not copied).
fn request(
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> payload::HttpRequest {
    let method = match method {
        Method::Get => payload::Method::Get,
        Method::Post => payload::Method::Post,
        Method::Put => payload::Method::Put,
        Method::Delete => payload::Method::Delete,
        Method::Patch => payload::Method::Patch,
    };
    payload::HttpRequest {
        method,
        url,
        headers,
        body,
    }
}

fn response(r: payload::HttpResponse) -> HttpResponse {
    HttpResponse {
        status: r.status,
        headers: r.headers,
        body: r.body,
    }
}

export!(Component);
