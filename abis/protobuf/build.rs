//! Generates the message types from `proto/abilab.proto` with prost-build,
//! using the protoc binary the protoc-bin-vendored crate ships (so no
//! system package is needed).

fn main() {
    println!("cargo::rerun-if-changed=proto/abilab.proto");
    let protoc = protoc_bin_vendored::protoc_bin_path().expect("a vendored protoc for this host");
    prost_build::Config::new()
        .protoc_executable(protoc)
        .compile_protos(&["proto/abilab.proto"], &["proto"])
        .expect("proto/abilab.proto compiles");
}
