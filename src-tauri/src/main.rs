// No console window behind the panel in a build that embeds its UI, as every package does whatever its
// profile (CI packages the dev build); `cargo run` keeps the console for its logs.
#![cfg_attr(feature = "custom-protocol", windows_subsystem = "windows")]

fn main() {
    // Start-up time is reported from here: process start, as near as Rust gets.
    let started = std::time::Instant::now();
    // A form-based panel gains nothing from GPU compositing, which on machines
    // without a usable GPU (many counter PCs, Xvfb) costs ~60 MB of software
    // GL buffers in the WebKit process. An explicit setting by the user wins.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // SAFETY: nothing else runs yet — no thread has been started that could
        // read the environment concurrently.
        unsafe { std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1") };
    }
    facepay_desk::run(started);
}
