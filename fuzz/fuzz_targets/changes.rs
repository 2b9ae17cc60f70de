//! A device's changes as the server checks them: any bytes split into
//! changes, checked, applied to a document, read and validated, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared::fuzzing::changes(data);
});
