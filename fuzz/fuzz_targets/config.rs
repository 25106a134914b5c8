//! The configuration file: `toml::from_str::<FileConfig>` then `validate()`,
//! as `FileConfig::read` and `DeskConfig::load` do.
//!
//! Invariants: nothing panics; a configuration that validates can be saved the
//! way the settings screen saves it (`toml::to_string_pretty`) and the saved
//! text reads back to the same file and the same validated configuration.

#![no_main]

use facepay_core::api::FileConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = match toml::from_str::<FileConfig>(text) {
        Ok(file) => file,
        Err(e) => {
            let _ = e.message();
            return;
        }
    };
    match file.clone().validate() {
        Ok(desk) => {
            let _ = (format!("{desk:?}"), desk.is_demo());
            let saved = toml::to_string_pretty(&file)
                .unwrap_or_else(|e| panic!("valid {file:?} cannot be saved: {e}"));
            let reread = toml::from_str::<FileConfig>(&saved)
                .unwrap_or_else(|e| panic!("saved {saved:?} does not read back: {e}"));
            assert_eq!(reread, file, "saved as {saved:?}");
            let again = reread
                .validate()
                .unwrap_or_else(|e| panic!("saved {saved:?} no longer validates: {e}"));
            assert_eq!(again, desk, "saved as {saved:?}");
        }
        Err(e) => {
            assert!(!e.field.is_empty());
            let _ = e.to_string();
        }
    }
});
