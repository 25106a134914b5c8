//! What the tests share: where the fake vendor library is.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

/// The cdylib cargo built for the dev-dependency `nation-ec-fake`, beside
/// the test binary.
pub fn fake_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let name = format!(
        "{}nation_ec_fake{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [deps.join(&name), deps.parent().unwrap().join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} not built next to {}", deps.display()))
}
