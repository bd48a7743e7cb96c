//! The hostcall scenario's component (built for wasm32-wasip2 by
//! `guests/artifacts`): world `hostcall` of `abis/wit/wit`, answering each
//! request alone or by calling the host's imported functions, with the
//! same definitions as the core guest and the native baseline
//! (`scenarios/hostcall`).
// The bindings wit-bindgen generates carry no doc comments.
#![allow(missing_docs)]

wit_bindgen::generate!({
    path: "../../abis/wit/wit",
    world: "hostcall",
});

struct Component;

impl Guest for Component {
    fn request_none(a: i32, b: i32) -> i64 {
        hostcall::sum_answer(a, b)
    }

    fn request_scalars(a: i32, b: i32) -> i64 {
        i64::from(host_add(a, b))
    }

    fn request_bytes(a: i32, _b: i32) -> i64 {
        host_digest(hostcall::window(a)) as i64
    }
}

export!(Component);
