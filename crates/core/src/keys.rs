//! Opening the journal with its key: the key file is read (or, for a new
//! journal, created), a rotation interrupted by a kill is finished, and
//! `facepay rekey` rotates it crash-safely.

use std::sync::Arc;

use facepay_journal::clock::Clock;
use facepay_journal::rewrite;
use facepay_journal::{Journal, JournalError, JournalKey, KeyChange, OpenGuard, RewriteLock};
use facepay_keystore::{KeyError, KeyFile, Store};

use crate::config::{DeskConfig, KeyStore};
use crate::error::DeskError;

fn key_error(e: KeyError) -> JournalError {
    JournalError::KeyInvalid(e.to_string())
}

/// The journal's key file, keeping new keys where the configuration says.
fn key_file(config: &DeskConfig) -> KeyFile {
    let store = match config.key_store {
        KeyStore::Auto => Store::Keyring,
        KeyStore::File | KeyStore::Invalid => Store::File,
    };
    KeyFile::at(&config.key_file).kept_in(store)
}

/// Whether the journal file holds data under some key already.
fn encrypted_journal_exists(config: &DeskConfig) -> Result<bool, JournalError> {
    let p = &config.db_path;
    Ok(std::fs::metadata(p).is_ok_and(|m| m.len() > 0) && !rewrite::is_plaintext(p)?)
}

/// The key in force and a rotation's pending key, if any. A new journal (or
/// a plaintext one about to be encrypted) gets a new key; an encrypted one
/// whose key file is gone is an error, never a new key.
fn keys(config: &DeskConfig) -> Result<(JournalKey, Option<JournalKey>), JournalError> {
    let store = key_file(config);
    let pending = store
        .pending()
        .map_err(key_error)?
        .map(|hex| JournalKey::from_hex(&hex))
        .transpose()?;
    let current = match store.read().map_err(key_error)? {
        Some(hex) => JournalKey::from_hex(&hex)?,
        None if encrypted_journal_exists(config)? => match &pending {
            Some(p) => p.clone(),
            None => {
                return Err(JournalError::KeyInvalid(format!(
                    "记录库 {} 已加密，但找不到它的密钥文件 {}：请从备份恢复密钥文件",
                    config.db_path.display(),
                    config.key_file.display()
                )));
            }
        },
        None => {
            let fresh = JournalKey::generate()?;
            let kept = store.create(&fresh.to_hex()).map_err(key_error)?;
            JournalKey::from_hex(&kept)?
        }
    };
    Ok((current, pending))
}

/// The key the journal file is under now. A rotation a kill interrupted
/// left a pending key: the file opens under the key in force (the rewrite
/// never reached it: the pending key is discarded) or under the pending one
/// (it did: the pending key becomes the key in force). Called only where no
/// rewrite can be under way (an [`OpenGuard`] or the [`RewriteLock`] held),
/// and with `write`, one process at a time.
fn settle_rotation(config: &DeskConfig, write: bool) -> Result<JournalKey, JournalError> {
    let (current, pending) = keys(config)?;
    if pending.is_none() {
        return Ok(current);
    }
    let _turn = if write {
        Some(KeyChange::lock(&config.db_path)?)
    } else {
        None
    };
    // Another process may have settled it while this one waited.
    let (current, pending) = keys(config)?;
    let Some(pending) = pending else {
        return Ok(current);
    };
    let store = key_file(config);
    let exists = std::fs::metadata(&config.db_path).is_ok_and(|m| m.len() > 0);
    if !exists || rewrite::key_opens(&config.db_path, &current)? {
        if write {
            store.discard_pending().map_err(key_error)?;
        }
        return Ok(current);
    }
    if rewrite::key_opens(&config.db_path, &pending)? {
        if write {
            store.promote().map_err(key_error)?;
            tracing::warn!("an interrupted key rotation was completed");
        }
        return Ok(pending);
    }
    Err(JournalError::WrongKey(config.db_path.clone()))
}

/// Open the journal under a hold that keeps any rewrite out from before the
/// key is read until the journal is closed.
pub(crate) fn open_journal(
    config: &DeskConfig,
    program: &str,
    clock: Arc<dyn Clock>,
    read_only: bool,
) -> Result<Journal, JournalError> {
    let guard = OpenGuard::shared(&config.db_path)?;
    if read_only {
        let key = settle_rotation(config, false)?;
        return Journal::open_read_only_guarded(guard, &config.db_path, &key, clock);
    }
    let store = key_file(config);
    let loose = store.make_private().map_err(key_error)?;
    let key = settle_rotation(config, true)?;
    let mut journal = Journal::open_guarded(guard, &config.db_path, &key, program, clock)?;
    // A key kept in the file moves into the desktop session's keyring when
    // there is one (one process at a time; the others then find its name).
    let moved = {
        let _turn = KeyChange::lock(&config.db_path)?;
        store.move_into_keyring().unwrap_or_else(|e| {
            tracing::warn!("the journal key stays in its file: {e}");
            false
        })
    };
    if loose || moved {
        let now = journal.now();
        let file = config.key_file.display().to_string();
        journal.write(|tx| {
            if loose {
                facepay_journal::audit::append(
                    tx,
                    &now,
                    "system",
                    facepay_journal::AuditAction::KeyFileModeFixed,
                    None,
                    Some(&file),
                )?;
            }
            if moved {
                facepay_journal::audit::append(
                    tx,
                    &now,
                    "system",
                    facepay_journal::AuditAction::JournalKeyIntoKeyring,
                    None,
                    Some(&file),
                )?;
            }
            Ok::<_, JournalError>(())
        })?;
    }
    Ok(journal)
}

/// What `facepay rekey` did.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rekeyed {
    pub journal: String,
    pub key_file: String,
}

/// `facepay rekey`: re-encrypt the journal under a new key. It takes the
/// journal for itself (refused while any other process has it open, and no
/// process opens it until it is done), so no other process can adopt or
/// drop the pending key meanwhile; a kill at any point leaves the file
/// under the key in force or under the pending one, which the next open
/// settles.
pub fn rekey(config: &DeskConfig, clock: Arc<dyn Clock>) -> Result<Rekeyed, DeskError> {
    let store = key_file(config);
    let held = RewriteLock::exclusive(&config.db_path)?;
    if std::fs::metadata(&config.db_path).is_ok_and(|m| m.len() > 0)
        && rewrite::is_plaintext(&config.db_path)?
    {
        return Err(DeskError::Journal(JournalError::Busy(
            "记录库尚未加密：请先打开一次收银台或运行任一 facepay 命令".into(),
        )));
    }
    let old = settle_rotation(config, true)?;
    let new = JournalKey::generate()?;
    store
        .write_pending(&new.to_hex())
        .map_err(|e| DeskError::Journal(key_error(e)))?;
    rewrite::rekey(&held, &config.db_path, &old, &new)?;
    store
        .promote()
        .map_err(|e| DeskError::Journal(key_error(e)))?;
    drop(held);
    let mut journal = open_journal(config, "facepay-rekey", clock, false)?;
    let now = journal.now();
    journal.write(|tx| {
        facepay_journal::audit::append(
            tx,
            &now,
            "system",
            facepay_journal::AuditAction::JournalRekeyed,
            None,
            None,
        )
    })?;
    Ok(Rekeyed {
        journal: config.db_path.display().to_string(),
        key_file: config.key_file.display().to_string(),
    })
}
