//! The document loader and validation: any bytes loaded as an Automerge
//! document, read as a record and validated, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts on every panic, even one the code catches on
    // purpose (`shared::sync::changes::guarded`); a panic that escapes
    // still ends in its catch_unwind and counts as a crash.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    shared::fuzzing::document(data);
});
