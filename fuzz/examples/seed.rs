//! Writes the seed corpora: `cargo run --example seed [-- DIR]` fills `DIR/<target>/` (default
//! `seeds/` next to this crate's manifest) with valid encodings made by each
//! codec's own encoders and with small traces in every format.

use std::path::PathBuf;

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds"));
    for target in abilab_fuzz::TARGETS {
        let sub = dir.join(target);
        std::fs::create_dir_all(&sub).expect("create the seed directory");
        let seeds = abilab_fuzz::seeds(target);
        for (name, bytes) in &seeds {
            // Each seed must pass its own target's checks.
            abilab_fuzz::check(target, bytes);
            std::fs::write(sub.join(name), bytes).expect("write a seed");
        }
        println!("{target}: {} seeds in {}", seeds.len(), sub.display());
    }
}
