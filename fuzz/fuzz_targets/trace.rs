#![no_main]
//! Every trace reader: text, webcachesim, binary and format detection through `read_trace`;
//! the first input byte picks the format (see `abilab_fuzz::TraceControl`).

libfuzzer_sys::fuzz_target!(init: abilab_fuzz::init(), |data: &[u8]| {
    abilab_fuzz::check("trace", data);
});
