//! The panel's commands as TypeScript sees them, generated from their Rust
//! signatures: `ui/src/generated/commands.ts` names each command with the
//! arguments the IPC takes (camelCase, as Tauri renames them) and its
//! answer, and `ui/src/backend/tauri.ts` calls through it, so `tsc` holds the
//! `Backend` interface to the Rust side; with each command's access from the
//! command table, which the in-browser fake admits by. The committed file must be what the
//! code generates; `UPDATE_COMMANDS=1 cargo test --test command_bindings`
//! (scripts/bindings.sh) rewrites it.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use syn::{FnArg, GenericArgument, Item, PathArguments, ReturnType, Type};

/// Parameters Tauri fills itself: never sent from the UI.
const INJECTED: &[&str] = &["AppHandle", "State", "Window", "WebviewWindow", "Webview"];

struct Command {
    name: String,
    args: Vec<(String, String)>,
    returns: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The TypeScript of a Rust type as serde writes it; named types are ts-rs
/// bindings, collected into `imports`.
fn ts(ty: &Type, imports: &mut BTreeSet<String>) -> String {
    match ty {
        Type::Reference(r) => ts(&r.elem, imports),
        Type::Tuple(t) if t.elems.is_empty() => "void".into(),
        Type::Path(p) => {
            let last = p.path.segments.last().unwrap();
            let name = last.ident.to_string();
            let inner = || match &last.arguments {
                PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .find_map(|g| match g {
                        GenericArgument::Type(t) => Some(t.clone()),
                        _ => None,
                    })
                    .unwrap(),
                _ => panic!("{name} without its type argument"),
            };
            match name.as_str() {
                "String" | "str" => "string".into(),
                "bool" => "boolean".into(),
                "i64" | "u64" | "i32" | "u32" | "u16" | "u8" | "usize" | "f64" => "number".into(),
                "Option" => format!("{} | null", ts(&inner(), imports)),
                "Vec" => format!("Array<{}>", ts(&inner(), imports)),
                _ => {
                    imports.insert(name.clone());
                    name
                }
            }
        }
        other => panic!("no TypeScript for {}", quote_type(other)),
    }
}

fn quote_type(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        _ => "an unnamed type".into(),
    }
}

/// `Result<T, IpcError>` answers `T`; anything else answers itself.
fn answer(ret: &ReturnType, imports: &mut BTreeSet<String>) -> String {
    let ReturnType::Type(_, ty) = ret else {
        return "void".into();
    };
    if let Type::Path(p) = ty.as_ref() {
        let last = p.path.segments.last().unwrap();
        if last.ident == "Result"
            && let PathArguments::AngleBracketed(a) = &last.arguments
            && let Some(GenericArgument::Type(ok)) = a.args.first()
        {
            return ts(ok, imports);
        }
    }
    ts(ty, imports)
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn commands_in(file: &Path, imports: &mut BTreeSet<String>) -> Vec<Command> {
    let source = std::fs::read_to_string(file).unwrap();
    let parsed = syn::parse_file(&source).unwrap();
    let mut out = Vec::new();
    for item in parsed.items {
        let Item::Fn(f) = item else { continue };
        let is_command = f.attrs.iter().any(|a| {
            let segments: Vec<String> = a
                .path()
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            segments == ["tauri", "command"]
        });
        if !is_command {
            continue;
        }
        let mut args = Vec::new();
        for input in &f.sig.inputs {
            let FnArg::Typed(arg) = input else { continue };
            let injected = matches!(arg.ty.as_ref(), Type::Path(p)
                if INJECTED.contains(&p.path.segments.last().unwrap().ident.to_string().as_str()));
            if injected {
                continue;
            }
            let syn::Pat::Ident(name) = arg.pat.as_ref() else {
                panic!("{}: an argument without a plain name", f.sig.ident)
            };
            args.push((camel(&name.ident.to_string()), ts(&arg.ty, imports)));
        }
        out.push(Command {
            name: f.sig.ident.to_string(),
            args,
            returns: answer(&f.sig.output, imports),
        });
    }
    out
}

fn generate() -> String {
    let dir = root().join("src-tauri/src/commands");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut imports = BTreeSet::new();
    let mut commands: Vec<Command> = files
        .iter()
        .flat_map(|f| commands_in(f, &mut imports))
        .collect();
    commands.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ts = String::from(
        "// Generated from the #[tauri::command] functions in src-tauri/src/commands by\n\
         // tests/command_bindings.rs (scripts/bindings.sh). Do not edit.\n\n",
    );
    for name in &imports {
        let binding = root().join(format!("ui/src/bindings/{name}.ts"));
        assert!(
            binding.exists(),
            "{name} has no TypeScript binding (derive ts_rs::TS with export)"
        );
        writeln!(ts, "import type {{ {name} }} from \"../bindings/{name}\";").unwrap();
    }
    ts.push_str("\n/** Each panel command: the arguments the IPC takes, and its answer. */\nexport interface Commands {\n");
    for c in &commands {
        let args = if c.args.is_empty() {
            "Record<string, never>".to_owned()
        } else {
            let fields: Vec<String> = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
            format!("{{ {} }}", fields.join("; "))
        };
        writeln!(
            ts,
            "  {}: {{ args: {args}; returns: {} }};",
            c.name, c.returns
        )
        .unwrap();
    }
    ts.push_str("}\n");
    // Who may call each, from the command table (src-tauri/src/commands/table.rs).
    let access = |name: &str| {
        let (_, a) = facepay_desk::COMMANDS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} is not in the command table"));
        serde_json::to_value(a)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    };
    let levels: BTreeSet<String> = commands.iter().map(|c| access(&c.name)).collect();
    let levels: Vec<String> = levels.iter().map(|l| format!("\"{l}\"")).collect();
    writeln!(
        ts,
        "\n/** Who may call a command (src-tauri/src/commands/table.rs). */\nexport type Access = {};\n",
        levels.join(" | ")
    )
    .unwrap();
    ts.push_str("/** Each command's access, as the shell's guard admits it. */\nexport const ACCESS: Record<keyof Commands, Access> = {\n");
    for c in &commands {
        writeln!(ts, "  {}: \"{}\",", c.name, access(&c.name)).unwrap();
    }
    ts.push_str("};\n");
    ts
}

#[test]
fn the_committed_command_bindings_are_current() {
    let path = root().join("ui/src/generated/commands.ts");
    let generated = generate();
    if std::env::var_os("UPDATE_COMMANDS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/generated/commands.ts is stale: run scripts/bindings.sh"
    );
    // Every command of the table, and nothing else.
    let table: BTreeSet<&str> = facepay_desk::COMMANDS.iter().map(|(n, _)| *n).collect();
    let listed: BTreeSet<&str> = generated
        .lines()
        .filter_map(|l| Some(l.strip_prefix("  ")?.split_once(": { args")?.0))
        .collect();
    assert_eq!(table, listed, "the command table vs the generated commands");
}
