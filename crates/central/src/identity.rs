//! The hospital's identity key: what makes a 证件号 searchable across
//! counters without the server ever holding it. HMAC-SHA256 under a key
//! made by `facepay central init` and enrolled on each counter by IT; it
//! lives in each counter's keystore and never in the database, so the
//! server's tables (or a dump of them) cannot be reversed by hashing every
//! possible 证件号.

use hmac::{KeyInit, Mac};
use zeroize::Zeroizing;

use facepay_keystore::KeyFile;

use crate::CentralError;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// What the server keeps to tell whether a counter's key is the hospital's.
const CHECK_MESSAGE: &[u8] = b"facepay-central/identity-key-check/v1";

pub struct IdentityKey(Zeroizing<Vec<u8>>);

/// 128 random bits as hex: a batch's token.
pub(crate) fn random_token() -> Result<String, CentralError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| CentralError::Server(format!("随机数：{e}")))?;
    Ok(hex(&bytes))
}

impl std::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityKey(…)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl IdentityKey {
    const BYTES: usize = 32;

    /// A fresh random key.
    pub fn generate() -> Result<Self, CentralError> {
        let mut bytes = Zeroizing::new(vec![0u8; Self::BYTES]);
        getrandom::fill(&mut bytes).map_err(|e| CentralError::Server(format!("随机数：{e}")))?;
        Ok(Self(bytes))
    }

    /// From the 64 hex digits IT copies between counters.
    pub fn from_hex(text: &str) -> Result<Self, CentralError> {
        // What `--show` prints (JSON) is taken as it is too.
        let shown = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("identityKey")?.as_str().map(str::to_owned));
        let text = shown.as_deref().unwrap_or(text).trim();
        let invalid = || CentralError::Invalid {
            field: "identity-key",
            message: format!(
                "应为 {} 位十六进制数字（facepay central identity-key --show 的输出）",
                Self::BYTES * 2
            ),
        };
        if text.len() != Self::BYTES * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let bytes = (0..Self::BYTES)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| invalid()))
            .collect::<Result<Vec<u8>, _>>()?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex(&self.0))
    }

    fn mac(&self, message: &[u8]) -> String {
        // Any key length is accepted by HMAC: this cannot fail.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(message);
        hex(&mac.finalize().into_bytes())
    }

    /// The searchable form of a 证件号: the same for every way a cashier or
    /// a terminal may have written it (spaces, a lower-case check letter).
    pub fn hash_id_no(&self, id_no: &str) -> String {
        let normal: String = id_no
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        self.mac(normal.as_bytes())
    }

    /// The seal of an operator's directory entry: only counters holding the
    /// hospital's key can make one, so a login to the database alone cannot
    /// make anyone an administrator (counters refuse an entry whose seal
    /// does not match). The revision is sealed too: an old entry copied
    /// back is not pulled (its revision is behind) nor passed off as new.
    pub fn seal_operator(
        &self,
        id: &str,
        name: &str,
        role: &str,
        pin_hash: &str,
        active: bool,
        revision: i64,
    ) -> String {
        let revision = revision.to_string();
        let message = [
            "facepay-central/operator/v2",
            id,
            name,
            role,
            pin_hash,
            if active { "1" } else { "0" },
            &revision,
        ]
        .join("\0");
        self.mac(message.as_bytes())
    }

    /// What the server keeps to recognise this key, revealing nothing of it.
    pub fn check_value(&self) -> String {
        self.mac(CHECK_MESSAGE)
    }

    /// The key enrolled on this machine, if any.
    pub fn read(file: &KeyFile) -> Result<Option<Self>, CentralError> {
        match file.read()? {
            Some(hex) => Ok(Some(Self::from_hex(&hex)?)),
            None => Ok(None),
        }
    }

    /// Keep this key in `file` (created private; refused if another is there).
    pub fn enroll(&self, file: &KeyFile) -> Result<(), CentralError> {
        if let Some(existing) = Self::read(file)? {
            if existing.0 == self.0 {
                return Ok(());
            }
            return Err(CentralError::Invalid {
                field: "identity-key",
                message: format!(
                    "本机已登记另一把全院身份密钥（{}）：不会覆盖，请信息科先确认哪一把是全院的",
                    file.path().display()
                ),
            });
        }
        // Another process may have enrolled one between the read and here.
        let kept = file.create(&self.to_hex())?;
        if Self::from_hex(&kept)?.0 != self.0 {
            return Err(CentralError::Invalid {
                field: "identity-key",
                message: "另一个进程同时登记了另一把全院身份密钥：请重试并确认".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_one_hash_whatever_the_spelling() {
        let key = IdentityKey::from_hex(&"ab".repeat(32)).unwrap();
        let a = key.hash_id_no("44170219900101123x");
        assert_eq!(a, key.hash_id_no("44170219900101123X"));
        assert_eq!(a, key.hash_id_no(" 441702 19900101123X "));
        assert_ne!(a, key.hash_id_no("441702199001011234"));
        assert_eq!(a.len(), 64);
        let other = IdentityKey::from_hex(&"cd".repeat(32)).unwrap();
        assert_ne!(a, other.hash_id_no("44170219900101123X"));
        assert_ne!(key.check_value(), other.check_value());
    }

    #[test]
    fn a_key_is_64_hex_digits() {
        for bad in [
            "",
            "xyz",
            &"ab".repeat(31),
            &"zz".repeat(32),
            &"ab".repeat(33),
        ] {
            let e = IdentityKey::from_hex(bad).unwrap_err().to_string();
            assert!(e.contains("identity-key") && e.contains("64"), "{bad}: {e}");
        }
        let key = IdentityKey::generate().unwrap();
        assert_eq!(
            IdentityKey::from_hex(&key.to_hex()).unwrap().check_value(),
            key.check_value()
        );
    }
}
