// No console window behind the panel on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Start-up time is reported from here: process start, as near as Rust gets.
    facepay_desk::run(std::time::Instant::now());
}
