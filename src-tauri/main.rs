// No console window behind the panel on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    facepay_desk::run();
}
