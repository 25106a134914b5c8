/// The command table (src/commands/table.rs) read for its names: the app
/// manifest lists exactly the commands lib.rs registers.
macro_rules! commands {
    ($($module:ident :: $name:ident => $access:ident,)*) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = include!("src/commands/table.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/src/commands/table.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri-build failed: {e}"));
}
