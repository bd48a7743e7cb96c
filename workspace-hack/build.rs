//! Nothing to build: present so that the `[build-dependencies]` of this
//! crate take part in the feature resolution of build scripts and proc
//! macros.

fn main() {}
