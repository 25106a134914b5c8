//! Opening the journal with its key: the key file is read (or, for a new
//! journal, created), a rotation interrupted by a kill is finished, and
//! `facepay rekey` rotates it crash-safely.

use std::sync::Arc;

use facepay_journal::clock::Clock;
use facepay_journal::rewrite;
use facepay_journal::{Journal, JournalError, JournalKey};
use facepay_keystore::{KeyError, KeyFile};

use crate::config::DeskConfig;
use crate::error::DeskError;

fn key_error(e: KeyError) -> JournalError {
    JournalError::KeyInvalid(e.to_string())
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
    let store = KeyFile::at(&config.key_file);
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

/// Open with the key in force; after an interrupted rotation, with the
/// pending key, which then becomes the key in force.
pub(crate) fn open_journal(
    config: &DeskConfig,
    program: &str,
    clock: Arc<dyn Clock>,
    read_only: bool,
) -> Result<Journal, JournalError> {
    let store = KeyFile::at(&config.key_file);
    let (current, pending) = keys(config)?;
    let open = |key: &JournalKey| {
        if read_only {
            Journal::open_read_only(&config.db_path, key, Arc::clone(&clock))
        } else {
            Journal::open(&config.db_path, key, program, Arc::clone(&clock))
        }
    };
    match open(&current) {
        Ok(journal) => {
            if pending.is_some() && !read_only {
                // The rotation never reached the file.
                store.discard_pending().map_err(key_error)?;
            }
            Ok(journal)
        }
        Err(JournalError::WrongKey(path)) => match pending {
            Some(next) => {
                let journal = open(&next)?;
                if !read_only {
                    store.promote().map_err(key_error)?;
                    tracing::warn!("an interrupted key rotation was completed");
                }
                Ok(journal)
            }
            None => Err(JournalError::WrongKey(path)),
        },
        Err(e) => Err(e),
    }
}

/// What `facepay rekey` did.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rekeyed {
    pub journal: String,
    pub key_file: String,
}

/// `facepay rekey`: re-encrypt the journal under a new key. Refused while
/// another process (a panel, a `facepay serve`) has the journal open.
pub fn rekey(config: &DeskConfig, clock: Arc<dyn Clock>) -> Result<Rekeyed, DeskError> {
    let store = KeyFile::at(&config.key_file);
    let old = {
        let journal = open_journal(config, "facepay-rekey", Arc::clone(&clock), false)?;
        let others = journal.other_live_sessions();
        if others > 0 {
            return Err(DeskError::Journal(JournalError::Busy(format!(
                "还有 {others} 个收银台或 facepay 进程正在使用记录库：请先全部关闭再更换密钥"
            ))));
        }
        let (current, _) = keys(config)?;
        current
    };
    let new = JournalKey::generate()?;
    store
        .write_pending(&new.to_hex())
        .map_err(|e| DeskError::Journal(key_error(e)))?;
    rewrite::rekey(&config.db_path, &old, &new)?;
    store
        .promote()
        .map_err(|e| DeskError::Journal(key_error(e)))?;
    let mut journal = open_journal(config, "facepay-rekey", clock, false)?;
    let now = journal.now();
    journal.write(|tx| {
        facepay_journal::audit::append(tx, &now, "system", "journal_rekeyed", None, None)
    })?;
    Ok(Rekeyed {
        journal: config.db_path.display().to_string(),
        key_file: config.key_file.display().to_string(),
    })
}
