//! The server's sync request decoder: any bytes give a request or an error,
//! never a panic; a decoded request encodes and decodes to the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    shared::fuzzing::sync_request(data);
});
