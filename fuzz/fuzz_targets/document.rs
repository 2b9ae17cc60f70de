//! The document loader and validation: any bytes loaded as an Automerge
//! document, read as a record and validated, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared::fuzzing::document(data);
});
