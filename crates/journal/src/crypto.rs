//! SQLCipher's OpenSSL must outlive the process's last page read.
//!
//! By default OpenSSL registers an `atexit` handler that frees its cipher
//! providers. `std::process::exit` (how Tauri ends its event loop) runs that
//! handler while other threads — the outbox worker, the HIS bridge, a status
//! poll — may still be decrypting a page: SQLCipher then reports
//! `EVP_CipherInit_ex ... returned 0` and the process dies with SIGSEGV on its
//! way out. Asking OpenSSL not to clean up at exit leaves the memory to the
//! kernel, which frees it anyway.

use std::sync::Once;

/// `OPENSSL_INIT_NO_ATEXIT` from `<openssl/crypto.h>` (OpenSSL ≥ 1.1.1b).
const OPENSSL_INIT_NO_ATEXIT: u64 = 0x0008_0000;

// SQLCipher links libcrypto (the system's on Linux, a vendored static one on
// Windows); openssl-sys only wraps this call through libssl, which SQLCipher
// does not need, hence the one declaration here.
unsafe extern "C" {
    fn OPENSSL_init_crypto(opts: u64, settings: *const std::ffi::c_void) -> std::ffi::c_int;
}

/// Called before the first connection is opened, and by programs before
/// anything else may initialise libcrypto (a vendor library loaded
/// in-process could): only the first initialisation reads the option.
pub fn keep_through_exit() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: a plain initialisation call with a null settings pointer,
        // which OpenSSL documents as "use the defaults"; it is thread-safe.
        let ok = unsafe { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, std::ptr::null()) };
        if ok != 1 {
            tracing::warn!("OpenSSL did not accept OPENSSL_INIT_NO_ATEXIT");
        }
    });
}
