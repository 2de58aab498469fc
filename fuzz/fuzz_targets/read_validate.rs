//! Any bytes through the whole reader: decoding, DTD refusal, parsing, schema and section-3
//! rules, signature verification, and for valid alerts a write/read round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yingji_cap::{validate, write_alert, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions::default();
    let report = validate(data, &options);
    let _ = report.to_string();
    for alert in report.valid_alerts() {
        let written = write_alert(alert);
        let again = validate(written.as_bytes(), &options);
        assert!(again.is_valid(), "a valid alert must stay valid when written: {again}");
    }
});
