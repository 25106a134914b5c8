//! The journal's encryption key. SQLCipher encrypts every page of the file
//! and of its WAL with it; without it the file is noise. Where the key is
//! kept (a user-only file, DPAPI on Windows) is the caller's business: the
//! journal only uses it, and never prints it.

use zeroize::{Zeroize, Zeroizing};

use crate::JournalError;

/// 256 bits of key. Wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct JournalKey(Box<[u8; 32]>);

impl std::fmt::Debug for JournalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JournalKey(…)")
    }
}

impl Drop for JournalKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl JournalKey {
    /// A new random key from the operating system.
    pub fn generate() -> Result<Self, JournalError> {
        let mut bytes = Box::new([0u8; 32]);
        getrandom::fill(&mut bytes[..])
            .map_err(|e| JournalError::Io(std::io::Error::other(e.to_string())))?;
        Ok(Self(bytes))
    }

    /// A key as 64 hex digits (how it is stored).
    pub fn from_hex(text: &str) -> Result<Self, JournalError> {
        let text = text.trim();
        let bad = || JournalError::KeyInvalid("密钥应为 64 位十六进制数字".into());
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut bytes = Box::new([0u8; 32]);
        for (i, slot) in bytes.iter_mut().enumerate() {
            *slot = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(bytes))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(64));
        for b in self.0.iter() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// The raw key as SQLCipher takes it (no key derivation: it is random).
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("\"x'{}'\"", self.to_hex().as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_hex_and_never_print() {
        let k = JournalKey::generate().unwrap();
        let again = JournalKey::from_hex(&k.to_hex()).unwrap();
        assert_eq!(k, again);
        assert_eq!(format!("{k:?}"), "JournalKey(…)");
        assert!(JournalKey::from_hex("zz").is_err());
        assert!(JournalKey::from_hex(&"g".repeat(64)).is_err());
    }
}
