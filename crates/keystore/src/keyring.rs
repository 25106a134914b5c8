//! The desktop session's Secret Service (GNOME Keyring; KDE Wallet through
//! its bridge), through libsecret, loaded when it is there: the journal's
//! key is kept in it and the key file only names the item. The library is
//! opened at run time, so a machine without it (a server, a minimal UOS)
//! simply keeps the key in the 0600 file, and nothing is linked in.
//!
//! Every call runs on a thread of its own and is given up after a few
//! seconds: a keyring that waits for a password prompt nobody can see must
//! not hang the counter.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Duration;

use zeroize::Zeroizing;

/// How long a keyring call may take before it is treated as unavailable.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

const SCHEMA_NAME: &CStr = c"org.facepay-desk.JournalKey";
const APPLICATION: &CStr = c"application";
const APPLICATION_VALUE: &CStr = c"facepay-desk";
const ITEM: &CStr = c"key";

#[repr(C)]
struct SchemaAttribute {
    name: *const c_char,
    kind: c_int,
}

/// libsecret's `SecretSchema` (libsecret 0.18 and later).
#[repr(C)]
struct Schema {
    name: *const c_char,
    flags: c_int,
    attributes: [SchemaAttribute; 32],
    reserved: c_int,
    reserved_pointers: [*mut c_void; 7],
}

#[repr(C)]
struct GError {
    domain: u32,
    code: c_int,
    message: *const c_char,
}

type Store = unsafe extern "C" fn(
    *const Schema,
    *const c_char,
    *const c_char,
    *const c_char,
    *mut c_void,
    *mut *mut GError,
    ...
) -> c_int;
type Lookup =
    unsafe extern "C" fn(*const Schema, *mut c_void, *mut *mut GError, ...) -> *mut c_char;
type Clear = unsafe extern "C" fn(*const Schema, *mut c_void, *mut *mut GError, ...) -> c_int;
type Free = unsafe extern "C" fn(*mut c_char);
type ErrorFree = unsafe extern "C" fn(*mut GError);

fn schema() -> Schema {
    const NONE: SchemaAttribute = SchemaAttribute {
        name: std::ptr::null(),
        kind: 0,
    };
    let mut attributes = [NONE; 32];
    // SECRET_SCHEMA_ATTRIBUTE_STRING is 0.
    attributes[0] = SchemaAttribute {
        name: APPLICATION.as_ptr(),
        kind: 0,
    };
    attributes[1] = SchemaAttribute {
        name: ITEM.as_ptr(),
        kind: 0,
    };
    Schema {
        name: SCHEMA_NAME.as_ptr(),
        flags: 0,
        attributes,
        reserved: 0,
        reserved_pointers: [std::ptr::null_mut(); 7],
    }
}

/// The session's keyring, through libsecret.
#[derive(Clone)]
pub(crate) struct Keyring {
    lib: Arc<libloading::Library>,
}

/// Calls a libsecret `*_sync` function on this application's item `$id`:
/// the schema, then `$args`, then the error out-pointer and the attribute
/// list, ended with NULL as the variadic contract wants. The call's result,
/// or the error libsecret reported.
macro_rules! for_item {
    ($lib:expr, $f:expr, $id:expr, $($args:expr),+) => {{
        let schema = schema();
        let mut error: *mut GError = std::ptr::null_mut();
        let result = $f(
            &schema,
            $($args,)+
            &mut error,
            APPLICATION.as_ptr(),
            APPLICATION_VALUE.as_ptr(),
            ITEM.as_ptr(),
            $id.as_ptr(),
            std::ptr::null::<c_char>(),
        );
        take_error($lib, error).map(|()| result)
    }};
}

/// A libsecret function by its NUL-terminated name.
///
/// # Safety
/// `T` must be the function's signature.
unsafe fn symbol<'l, T>(
    lib: &'l libloading::Library,
    name: &[u8],
) -> Result<libloading::Symbol<'l, T>, String> {
    // SAFETY: the caller names the signature.
    unsafe { lib.get(name) }.map_err(|e| e.to_string())
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(libsecret)")
    }
}

impl Keyring {
    /// The keyring of this desktop session, if it has one that answers.
    /// libsecret is loaded once per process and never unloaded: the GLib
    /// types it registers outlive any unloading, and a second load breaks them.
    pub(crate) fn session() -> Result<Self, String> {
        static LOADED: std::sync::OnceLock<Result<Keyring, String>> = std::sync::OnceLock::new();
        LOADED.get_or_init(Self::load).clone()
    }

    fn load() -> Result<Self, String> {
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
            || std::env::var_os("XDG_RUNTIME_DIR")
                .is_some_and(|d| std::path::Path::new(&d).join("bus").exists());
        if !bus {
            return Err("没有桌面会话（D-Bus 会话总线）".into());
        }
        // SAFETY: loading libsecret runs its (and GLib's) initialisers only.
        let lib = unsafe { libloading::Library::new("libsecret-1.so.0") }
            .map_err(|e| format!("没有 libsecret：{e}"))?;
        let keyring = Self { lib: Arc::new(lib) };
        // A lookup of nothing proves the service answers (and is unlocked).
        keyring.lookup("probe")?;
        Ok(keyring)
    }

    /// Run `f` on a thread of its own, within [`ANSWER_WITHIN`].
    fn within<T: Send + 'static>(
        &self,
        f: impl FnOnce(&libloading::Library) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let lib = Arc::clone(&self.lib);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f(&lib));
        });
        rx.recv_timeout(ANSWER_WITHIN)
            .map_err(|_| "系统钥匙环没有应答（可能在等待解锁）".to_owned())?
    }

    /// Keep `secret` under `id`.
    pub(crate) fn store(&self, id: &str, label: &str, secret: &str) -> Result<(), String> {
        let id = CString::new(id).map_err(|e| e.to_string())?;
        let label = CString::new(label).map_err(|e| e.to_string())?;
        if secret.contains('\0') {
            return Err("密钥含有 NUL".into());
        }
        let mut secret = Zeroizing::new(secret.as_bytes().to_vec());
        secret.push(0);
        self.within(move |lib| {
            // SAFETY: the symbol has this signature in libsecret; every
            // pointer passed lives for the call; the attribute list ends
            // with NULL as the variadic contract wants.
            unsafe {
                let store: libloading::Symbol<Store> =
                    symbol(lib, b"secret_password_store_sync\0")?;
                let ok = for_item!(
                    lib,
                    store,
                    id,
                    c"default".as_ptr(),
                    label.as_ptr(),
                    secret.as_ptr().cast::<c_char>(),
                    std::ptr::null_mut()
                )?;
                if ok == 0 {
                    return Err("系统钥匙环拒绝保存".into());
                }
                Ok(())
            }
        })
    }

    /// The secret kept under `id`, if there is one.
    pub(crate) fn lookup(&self, id: &str) -> Result<Option<Zeroizing<String>>, String> {
        let id = CString::new(id).map_err(|e| e.to_string())?;
        self.within(move |lib| {
            // SAFETY: as in `store`; the returned string is libsecret's,
            // copied, then wiped and freed with secret_password_free.
            unsafe {
                let lookup: libloading::Symbol<Lookup> =
                    symbol(lib, b"secret_password_lookup_sync\0")?;
                let free: libloading::Symbol<Free> = symbol(lib, b"secret_password_free\0")?;
                let found = for_item!(lib, lookup, id, std::ptr::null_mut())?;
                if found.is_null() {
                    return Ok(None);
                }
                let secret = Zeroizing::new(CStr::from_ptr(found).to_string_lossy().into_owned());
                free(found);
                Ok(Some(secret))
            }
        })
    }

    /// Forget the secret kept under `id`.
    pub(crate) fn clear(&self, id: &str) -> Result<(), String> {
        let id = CString::new(id).map_err(|e| e.to_string())?;
        self.within(move |lib| {
            // SAFETY: as in `store`.
            unsafe {
                let clear: libloading::Symbol<Clear> =
                    symbol(lib, b"secret_password_clear_sync\0")?;
                for_item!(lib, clear, id, std::ptr::null_mut()).map(|_| ())
            }
        })
    }
}

/// A GError as our error, freed.
///
/// # Safety
/// `error` is null or a GError libsecret set.
unsafe fn take_error(lib: &libloading::Library, error: *mut GError) -> Result<(), String> {
    if error.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null GError from libsecret, with a NUL-terminated message;
    // g_error_free comes from GLib, which libsecret links.
    unsafe {
        let message = if (*error).message.is_null() {
            "未知错误".to_owned()
        } else {
            CStr::from_ptr((*error).message)
                .to_string_lossy()
                .into_owned()
        };
        if let Ok(free) = lib.get::<ErrorFree>(b"g_error_free\0") {
            free(error);
        }
        Err(format!("系统钥匙环：{message}"))
    }
}
