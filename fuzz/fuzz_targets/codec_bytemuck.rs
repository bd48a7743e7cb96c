#![no_main]
//! Every `decode_*`/`digest_*` function and `decode_requests` of the bytemuck codec
//! (see `abilab_fuzz::check_codec`).

libfuzzer_sys::fuzz_target!(init: abilab_fuzz::init(), |data: &[u8]| {
    abilab_fuzz::check("codec_bytemuck", data);
});
