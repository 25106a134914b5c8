//! The journal's key at rest. It never sits in plaintext beside the
//! database: it lives in the user's configuration folder (not the data
//! folder), in a file only that user can read (0600); on Windows its bytes
//! are further sealed with DPAPI for the user, so a copied file is useless
//! on another account or machine. On Linux, where the desktop session has a
//! Secret Service ([`Store::Keyring`]), the key is kept in the keyring and
//! the file only names its item: a copy of the disk holds no key.
//!
//! A rotation (`facepay rekey`) writes the new key as *pending* first; the
//! caller re-encrypts, then [`KeyFile::promote`]s it. Whichever moment a
//! kill lands, one of the two keys opens the journal.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

#[cfg(target_os = "linux")]
mod keyring;
mod protect;

/// Where a new key is kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Store {
    /// In the 0600 file (sealed with DPAPI on Windows).
    #[default]
    File,
    /// In the desktop session's keyring when it has one (Linux), else as
    /// [`Store::File`]. A key already in a file moves into the keyring.
    Keyring,
}

/// What a key file holds instead of the key when the key is in the keyring.
const IN_KEYRING: &str = "secret-service:facepay-desk:";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("无法读写密钥文件 {path}：{source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("密钥文件 {0} 的内容无法使用（损坏，或来自另一台电脑、另一个 Windows 账户）")]
    Unreadable(PathBuf),
    /// The key is in the desktop session's keyring and this process cannot reach it.
    #[error(
        "记录库的密钥保存在系统钥匙环中，但现在无法读取（{0}）：请在收银台电脑的桌面会话中运行；\
         没有桌面会话的服务请由信息科设置 [journal] key_store = \"file\""
    )]
    Keyring(String),
}

/// The key file of one journal, and its pending successor.
#[derive(Debug, Clone)]
pub struct KeyFile {
    path: PathBuf,
    store: Store,
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl KeyFile {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            store: Store::File,
        }
    }

    /// Keep new keys where `store` says.
    pub fn kept_in(mut self, store: Store) -> Self {
        self.store = store;
        self
    }

    /// Whether the key in force is in the keyring (the file names its item).
    pub fn in_keyring(&self) -> Result<bool, KeyError> {
        Ok(read_raw(&self.path)?.is_some_and(|raw| raw.starts_with(IN_KEYRING)))
    }

    /// Move a key kept in the file into the desktop session's keyring, when
    /// keys belong there and the session has one. Whether it moved.
    pub fn move_into_keyring(&self) -> Result<bool, KeyError> {
        if self.store != Store::Keyring {
            return Ok(false);
        }
        let Some(raw) = read_raw(&self.path)? else {
            return Ok(false);
        };
        if raw.starts_with(IN_KEYRING) {
            return Ok(false);
        }
        let hex = self
            .read()?
            .ok_or_else(|| KeyError::Unreadable(self.path.clone()))?;
        let sealed = match seal(Store::Keyring, &hex)? {
            Some(marker) if marker.starts_with(IN_KEYRING) => marker,
            _ => return Ok(false),
        };
        write_sealed(&self.path, &sealed)?;
        Ok(true)
    }

    /// A key file (or a pending one) others may read: made this user's only.
    /// Whether it had to be (for the caller to audit).
    pub fn make_private(&self) -> Result<bool, KeyError> {
        let mut fixed = false;
        for path in [self.path.clone(), self.pending_path()] {
            fixed |= make_private(&path).map_err(|source| KeyError::Io {
                path: path.clone(),
                source,
            })?;
        }
        Ok(fixed)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn pending_path(&self) -> PathBuf {
        sibling(&self.path, ".next")
    }

    /// The key in force, if there is one. `key` is 64 hex digits.
    pub fn read(&self) -> Result<Option<Zeroizing<String>>, KeyError> {
        read(&self.path)
    }

    /// The key of a rotation that may not have finished.
    pub fn pending(&self) -> Result<Option<Zeroizing<String>>, KeyError> {
        read(&self.pending_path())
    }

    /// Keep `hex` as the key of a new journal — unless another process got
    /// there first: the key in force is returned, whichever it is.
    pub fn create(&self, hex: &str) -> Result<Zeroizing<String>, KeyError> {
        let unique = sibling(
            &self.path,
            &format!(".{}-{:x}", std::process::id(), random_u64()),
        );
        write(&unique, self.store, hex)?;
        // A hard link fails if the name exists: creation is atomic.
        let linked = std::fs::hard_link(&unique, &self.path);
        let _ = std::fs::remove_file(&unique);
        match linked {
            Ok(()) => sync_dir(&self.path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(KeyError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        }
        self.read()?
            .ok_or_else(|| KeyError::Unreadable(self.path.clone()))
    }

    /// Keep `hex` as the pending key of a rotation.
    pub fn write_pending(&self, hex: &str) -> Result<(), KeyError> {
        write(&self.pending_path(), self.store, hex)
    }

    /// The rotation is done: the pending key is the key (and the replaced
    /// key's keyring item, if it had one, is forgotten).
    pub fn promote(&self) -> Result<(), KeyError> {
        let replaced = read_raw(&self.path)?;
        let from = self.pending_path();
        std::fs::rename(&from, &self.path).map_err(|source| KeyError::Io {
            path: self.path.clone(),
            source,
        })?;
        sync_dir(&self.path);
        if let Some(raw) = replaced {
            forget(&raw);
        }
        Ok(())
    }

    /// The rotation never reached the journal: forget its key.
    pub fn discard_pending(&self) -> Result<(), KeyError> {
        let pending = read_raw(&self.pending_path())?;
        match std::fs::remove_file(self.pending_path()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(KeyError::Io {
                    path: self.pending_path(),
                    source: e,
                });
            }
            _ => {}
        }
        if let Some(raw) = pending {
            forget(&raw);
        }
        Ok(())
    }
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// The file's contents unsealed: the key's hex, or the name of its keyring item.
fn read_raw(path: &Path) -> Result<Option<Zeroizing<String>>, KeyError> {
    let sealed = match std::fs::read(path) {
        Ok(b) => Zeroizing::new(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KeyError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let plain = protect::unseal(&sealed).ok_or_else(|| KeyError::Unreadable(path.to_owned()))?;
    let text = std::str::from_utf8(&plain).map_err(|_| KeyError::Unreadable(path.to_owned()))?;
    Ok(Some(Zeroizing::new(text.trim().to_owned())))
}

/// A secret that is not a key (the central database's password): kept as
/// the keys are in their file (this user only; sealed with DPAPI on
/// Windows), trimmed of surrounding white space.
pub fn read_secret(path: &Path) -> Result<Option<Zeroizing<String>>, KeyError> {
    read_raw(path)
}

/// Keep `text` in `path` as [`read_secret`] reads it, replacing what was there.
pub fn write_secret(path: &Path, text: &str) -> Result<(), KeyError> {
    write_sealed(path, text)
}

fn read(path: &Path) -> Result<Option<Zeroizing<String>>, KeyError> {
    let Some(raw) = read_raw(path)? else {
        return Ok(None);
    };
    let from_keyring;
    let text = match raw.strip_prefix(IN_KEYRING) {
        Some(item) => {
            from_keyring = lookup(item)?
                .ok_or_else(|| KeyError::Keyring(format!("钥匙环中没有密钥 {item}")))?;
            from_keyring.trim()
        }
        None => raw.as_str(),
    };
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(KeyError::Unreadable(path.to_owned()));
    }
    Ok(Some(Zeroizing::new(text.to_owned())))
}

/// The key in the keyring under `item`.
#[cfg(target_os = "linux")]
fn lookup(item: &str) -> Result<Option<Zeroizing<String>>, KeyError> {
    let keyring = keyring::Keyring::session().map_err(KeyError::Keyring)?;
    keyring.lookup(item).map_err(KeyError::Keyring)
}

#[cfg(not(target_os = "linux"))]
fn lookup(_item: &str) -> Result<Option<Zeroizing<String>>, KeyError> {
    Err(KeyError::Keyring("此系统不使用钥匙环".into()))
}

/// What the key file holds for `hex`: the key itself, or — kept in the
/// session's keyring — the name of its item.
fn seal(store: Store, hex: &str) -> Result<Option<Zeroizing<String>>, KeyError> {
    #[cfg(target_os = "linux")]
    if store == Store::Keyring {
        match keyring::Keyring::session() {
            Ok(keyring) => {
                let item = format!("{:016x}{:016x}", random_u64(), random_u64());
                keyring
                    .store(&item, "医保刷脸收银台 记录库密钥", hex)
                    .map_err(KeyError::Keyring)?;
                return Ok(Some(Zeroizing::new(format!("{IN_KEYRING}{item}"))));
            }
            Err(why) => tracing_free_note(&why),
        }
    }
    let _ = store;
    Ok(Some(Zeroizing::new(hex.to_owned())))
}

/// No keyring this time: the key stays in the file, as it always could.
#[cfg(target_os = "linux")]
fn tracing_free_note(why: &str) {
    if std::env::var_os("FACEPAY_KEYSTORE_DEBUG").is_some() {
        eprintln!("keystore: the key stays in its file ({why})");
    }
}

/// Forget the keyring item a replaced key file named, if it named one.
fn forget(raw: &str) {
    #[cfg(target_os = "linux")]
    if let Some(item) = raw.strip_prefix(IN_KEYRING)
        && let Ok(keyring) = keyring::Keyring::session()
    {
        let _ = keyring.clear(item);
    }
    let _ = raw;
}

/// A new file beside `target` for writing it in full before it is renamed
/// into place: created new (never a file or link someone planted under the
/// name, which a create-or-truncate would follow), this user's only (0600,
/// or a user-only ACL on Windows) before a byte is in it, and locked while it
/// is open, so that one left by a killed writer can be told and removed.
pub fn create_private_beside(target: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_abandoned_beside(target, &name);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..100u32 {
        let tmp = target.with_file_name(format!(
            ".{name}.{}-{nanos:08x}-{attempt}.partial",
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&tmp) {
            Ok(file) => {
                #[cfg(windows)]
                protect::user_only_acl(&tmp)?;
                // Released when the file is closed, by its writer or by the
                // system when the writer dies. A lock that cannot be had
                // (a file system without locks) only means that a killed
                // writer's file is not recognised later.
                let _ = file.try_lock();
                return Ok((tmp, file));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("无法在 {} 旁创建临时文件", target.display()),
    ))
}

/// A file left beside a target by a writer that never finished is older than this.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Remove what killed writers left beside `target` (named `name`): its
/// `.name.….partial` files that nobody holds locked and that have not been
/// written to for [`ABANDONED_AFTER`]. Such a file may hold a whole export,
/// unmasked names and 证件号 among it, that no retention would ever purge.
fn remove_abandoned_beside(target: &Path, name: &str) {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        if !(n.starts_with(&prefix) && n.ends_with(".partial")) {
            continue;
        }
        let path = entry.path();
        // Never through a link someone planted under the name.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let idle = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age >= ABANDONED_AFTER);
        if !meta.file_type().is_file() || !idle {
            continue;
        }
        let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            drop(file);
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Make `path` (if it exists) this user's only: a key or token file others
/// can read is put right. Whether it had to (the caller audits it).
pub fn make_private(path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        // A key or token another account put here (or a link to one) was
        // never this user's secret: it is not used, whatever its mode.
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if !meta.is_file() || meta.uid() != me {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{} 不是本用户自己的文件（属于 uid {}{}），已拒绝使用：请删除它，程序会重新生成",
                    path.display(),
                    meta.uid(),
                    if meta.is_file() {
                        ""
                    } else {
                        "，且不是普通文件"
                    }
                ),
            ));
        }
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            return Ok(true);
        }
        Ok(false)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(false)
    }
}

/// Written beside and renamed into place, readable by this user only.
fn write(path: &Path, store: Store, hex: &str) -> Result<(), KeyError> {
    let sealed = seal(store, hex)?.ok_or_else(|| KeyError::Unreadable(path.to_owned()))?;
    write_sealed(path, &sealed)
}

/// `text` sealed to this user into `path`.
fn write_sealed(path: &Path, text: &str) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    let sealed =
        protect::seal(text.as_bytes()).ok_or_else(|| KeyError::Unreadable(path.to_owned()))?;
    write_private(path, &sealed).map_err(io)
}

/// Write `bytes` to `path` readable by this user only (0600; on Windows the
/// user-profile folder's ACL), beside and renamed into place, flushed: a
/// crash leaves the old file or the new one. For keys, tokens and settings.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let (tmp, mut file) = create_private_beside(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(path);
    Ok(())
}

fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const B: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

    /// A partial file beside `target`, last written `age` ago.
    fn partial(target: &Path, tag: &str, age: std::time::Duration) -> PathBuf {
        let name = target.file_name().unwrap().to_str().unwrap();
        let p = target.with_file_name(format!(".{name}.{tag}.partial"));
        let f = std::fs::File::create(&p).unwrap();
        f.set_modified(std::time::SystemTime::now() - age).unwrap();
        p
    }

    #[test]
    fn what_a_killed_writer_left_beside_a_target_is_removed_by_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("日结.csv");
        let hour = std::time::Duration::from_secs(3600);
        let abandoned = partial(&target, "1-0-0", hour);
        let recent = partial(&target, "2-0-0", std::time::Duration::ZERO);
        let other = partial(&dir.path().join("other.csv"), "3-0-0", hour);
        // One being written now: open and locked by its writer, however old.
        let (writing, held) = create_private_beside(&target).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&writing)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - hour)
            .unwrap();

        let (next, _file) = create_private_beside(&target).unwrap();
        assert!(next.exists());
        assert!(
            !abandoned.exists(),
            "unlocked and idle for an hour: removed"
        );
        assert!(recent.exists(), "written a moment ago: may be finishing");
        assert!(writing.exists(), "its writer holds it");
        assert!(other.exists(), "another target's");
        drop(held);
    }

    #[test]
    fn a_key_is_kept_for_this_user_only_and_rotated_through_pending() {
        let dir = tempfile::tempdir().unwrap();
        let k = KeyFile::at(dir.path().join("cfg").join("journal.key"));
        assert!(k.read().unwrap().is_none());
        assert_eq!(k.create(A).unwrap().as_str(), A);
        // A second process creating at the same time gets the first one's key.
        assert_eq!(k.create(B).unwrap().as_str(), A);
        assert_eq!(k.read().unwrap().unwrap().as_str(), A);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(k.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        k.write_pending(B).unwrap();
        assert_eq!(k.read().unwrap().unwrap().as_str(), A, "still in force");
        assert_eq!(k.pending().unwrap().unwrap().as_str(), B);
        k.promote().unwrap();
        assert_eq!(k.read().unwrap().unwrap().as_str(), B);
        assert!(k.pending().unwrap().is_none());
        k.discard_pending().unwrap();
    }

    /// Run on Windows (and under Wine by scripts/wine-visit.sh): the key
    /// file holds a DPAPI blob for this user, never the hex key itself.
    #[cfg(windows)]
    #[test]
    fn on_windows_the_key_file_is_sealed_with_dpapi_for_this_user() {
        let sealed = protect::seal(A.as_bytes()).unwrap();
        assert_ne!(sealed.as_slice(), A.as_bytes());
        assert_eq!(protect::unseal(&sealed).unwrap().as_slice(), A.as_bytes());
        let mut tampered = sealed.to_vec();
        let last = tampered.len() - 1;
        tampered[last] ^= 0x55;
        assert!(
            protect::unseal(&tampered).is_none(),
            "a tampered blob opens nothing"
        );

        let dir = tempfile::tempdir().unwrap();
        let k = KeyFile::at(dir.path().join("journal.key"));
        k.create(A).unwrap();
        let on_disk = std::fs::read(k.path()).unwrap();
        assert!(
            !on_disk.windows(A.len()).any(|w| w == A.as_bytes()),
            "the key is not readable in the file"
        );
        assert_eq!(k.read().unwrap().unwrap().as_str(), A);
    }

    #[test]
    fn a_damaged_key_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let k = KeyFile::at(dir.path().join("journal.key"));
        std::fs::write(k.path(), b"not a key").unwrap();
        assert!(matches!(k.read(), Err(KeyError::Unreadable(_))));
    }
}
