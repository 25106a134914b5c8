//! The bearer token the HIS presents: generated at first start, kept in a
//! file only the installing user can read, rotated from 设置 or the CLI. A
//! running bridge notices a rotation by the file's modification time, so the
//! panel and `facepay serve` never disagree for long.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// A bearer token. Shown masked; compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct BridgeToken(String);

impl std::fmt::Debug for BridgeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BridgeToken({})", self.masked())
    }
}

/// Tokens shorter than this are refused: a HIS vendor's "1234" is no lock.
const MIN_CHARS: usize = 24;
const MAX_CHARS: usize = 256;

impl BridgeToken {
    /// A new random token: 32 bytes from the operating system, as hex.
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// A token given by IT (a file or `FACEPAY_BRIDGE_TOKEN`): printable
    /// ASCII, long enough. `source` names where it came from in the error.
    pub fn parse(text: &str, source: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.chars().count() < MIN_CHARS || t.len() > MAX_CHARS {
            return Err(format!(
                "{source}：令牌应为 {MIN_CHARS} 到 {MAX_CHARS} 个字符"
            ));
        }
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("{source}：令牌只能包含可见的英文字母、数字和符号"));
        }
        Ok(Self(t.to_owned()))
    }

    /// The whole token, for 复制 in 设置 and for tests.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The first 4 characters and a run of stars: enough to tell tokens apart.
    pub fn masked(&self) -> String {
        let head: String = self.0.chars().take(4).collect();
        format!("{head}{}", "*".repeat(12))
    }

    /// Whether `presented` is this token. Both sides are hashed first, so the
    /// comparison takes the same time whatever the HIS sent.
    pub fn matches(&self, presented: &str) -> bool {
        let a = Sha256::digest(self.0.as_bytes());
        let b = Sha256::digest(presented.as_bytes());
        a.iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
    }
}

/// Where the bridge gets its token: an override (`FACEPAY_BRIDGE_TOKEN`),
/// or the token file, re-read when it changes.
#[derive(Debug)]
pub struct TokenSource {
    path: PathBuf,
    fixed: Option<BridgeToken>,
    cached: Mutex<(Option<SystemTime>, BridgeToken)>,
    /// The file was readable by others when opened, and was made this
    /// user's only; until someone audits it.
    loosened: std::sync::atomic::AtomicBool,
}

impl TokenSource {
    /// The token file at `path` (created with a new token when missing), or
    /// `override_token` when given.
    pub fn open(path: &Path, override_token: Option<&str>) -> Result<Self, String> {
        let fixed = match override_token {
            Some(t) => Some(BridgeToken::parse(t, "FACEPAY_BRIDGE_TOKEN")?),
            None => None,
        };
        let loosened = fixed.is_none()
            && facepay_keystore::make_private(path)
                .map_err(|e| format!("无法修正令牌文件 {} 的权限：{e}", path.display()))?;
        if loosened {
            tracing::warn!(path = %path.display(), "the bridge token file was readable by others: made this user's only");
        }
        let token = match &fixed {
            Some(t) => t.clone(),
            None => load_or_create(path)?,
        };
        Ok(Self {
            path: path.to_owned(),
            fixed,
            cached: Mutex::new((modified(path), token)),
            loosened: loosened.into(),
        })
    }

    /// Whether the token file was readable by others when opened (and was
    /// made this user's only): worth an audit row, which the first to ask
    /// writes (the CLI before it serves, or the bridge).
    pub fn take_loose(&self) -> bool {
        self.loosened
            .swap(false, std::sync::atomic::Ordering::SeqCst)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the token comes from the environment (then 重新生成 cannot change it).
    pub fn is_overridden(&self) -> bool {
        self.fixed.is_some()
    }

    /// The token in force now.
    pub fn current(&self) -> BridgeToken {
        if let Some(t) = &self.fixed {
            return t.clone();
        }
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        let now = modified(&self.path);
        if now != cached.0 {
            match read(&self.path) {
                Ok(token) => *cached = (now, token),
                // A half-replaced or unreadable file keeps the last good token.
                Err(e) => tracing::warn!("bridge token file not re-read: {e}"),
            }
        }
        cached.1.clone()
    }

    /// 重新生成: a new token, written before it is used.
    pub fn rotate(&self) -> Result<BridgeToken, String> {
        if self.fixed.is_some() {
            return Err("令牌由环境变量 FACEPAY_BRIDGE_TOKEN 指定，请在那里更换".into());
        }
        let token = BridgeToken::generate().map_err(|e| e.to_string())?;
        write_private(&self.path, token.reveal())
            .map_err(|e| format!("无法写入令牌文件 {}：{e}", self.path.display()))?;
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) =
            (modified(&self.path), token.clone());
        Ok(token)
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn read(path: &Path) -> Result<BridgeToken, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("无法读取令牌文件 {}：{e}", path.display()))?;
    if bytes.len() > 4096 {
        return Err(format!("令牌文件 {} 过大", path.display()));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| format!("令牌文件 {} 不是文本", path.display()))?;
    BridgeToken::parse(text, &path.display().to_string())
}

fn load_or_create(path: &Path) -> Result<BridgeToken, String> {
    if path.exists() {
        return read(path);
    }
    let token = BridgeToken::generate().map_err(|e| e.to_string())?;
    write_private(path, token.reveal())
        .map_err(|e| format!("无法创建令牌文件 {}：{e}", path.display()))?;
    tracing::info!(path = %path.display(), "bridge token created");
    Ok(token)
}

/// The token file, this user's only (a line of text).
fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    facepay_keystore::write_private(path, format!("{token}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_itself_only() {
        let t = BridgeToken::generate().unwrap();
        assert_eq!(t.reveal().len(), 64);
        assert!(t.matches(t.reveal()));
        assert!(!t.matches(&t.reveal()[..63]));
        assert!(!t.matches(""));
        assert!(!format!("{t:?}").contains(&t.reveal()[4..]));
    }

    #[test]
    fn short_or_unprintable_tokens_are_refused() {
        assert!(BridgeToken::parse("1234", "x").is_err());
        assert!(BridgeToken::parse(&"a\u{7}".repeat(20), "x").is_err());
        assert!(BridgeToken::parse(&"中".repeat(30), "x").is_err());
        assert!(BridgeToken::parse(&"a".repeat(24), "x").is_ok());
    }

    #[test]
    fn the_file_is_created_for_this_user_only_and_rotation_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("bridge.token");
        let source = TokenSource::open(&path, None).unwrap();
        let first = source.current();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second process on the same file reads the same token.
        let other = TokenSource::open(&path, None).unwrap();
        assert_eq!(other.current(), first);
        let second = source.rotate().unwrap();
        assert_ne!(second, first);
        // Modification times may be coarse: make the change visible.
        let later = SystemTime::now() + std::time::Duration::from_secs(2);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(other.current(), second);
    }

    #[test]
    fn an_override_wins_and_cannot_be_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bridge.token");
        let fixed = "t".repeat(32);
        let source = TokenSource::open(&path, Some(&fixed)).unwrap();
        assert_eq!(source.current().reveal(), fixed);
        assert!(!path.exists(), "no file is created for an override");
        assert!(source.rotate().is_err());
    }
}
