//! The charsets terminals, vendor bridges and HIS requests arrive in, read
//! strictly: bytes invalid in the charset are refused, never replaced.

use serde::{Deserialize, Serialize};

/// The charsets bridges answer in. Bytes invalid in the charset are refused,
/// never replaced: a name read as `����` must not reach the journal.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Charset {
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "gbk")]
    Gbk,
    #[serde(rename = "gb18030")]
    Gb18030,
}

impl Charset {
    pub const ALL: &'static [Charset] = &[Charset::Utf8, Charset::Gbk, Charset::Gb18030];

    /// As the 设置 screen offers it.
    pub fn label(self) -> &'static str {
        match self {
            Charset::Utf8 => "UTF-8",
            // Windows bridges often answer in GBK without saying so.
            Charset::Gbk => "GBK（Windows 中文）",
            Charset::Gb18030 => "GB18030",
        }
    }

    /// From a `charset=` label, as HTTP and Windows name them.
    pub fn from_label(label: &str) -> Option<Self> {
        match label.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Charset::Utf8),
            "gbk" | "gb2312" | "cp936" | "x-gbk" | "windows-936" => Some(Charset::Gbk),
            "gb18030" => Some(Charset::Gb18030),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Charset::Utf8 => "UTF-8",
            Charset::Gbk => "GBK",
            Charset::Gb18030 => "GB18030",
        }
    }

    pub fn is_default(&self) -> bool {
        *self == Charset::default()
    }

    /// The charset a `Content-Type` value declares: `None` when it names
    /// none, `Some(Err(name))` for one not read here. One reader for the
    /// bridge, the transports and nation-ec-host.
    pub fn of_content_type(value: &str) -> Option<Result<Self, String>> {
        let name = value.split(';').skip(1).find_map(|param| {
            let (key, v) = param.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("charset")
                .then(|| v.trim().trim_matches('"').to_owned())
        })?;
        Some(
            Self::from_label(&name)
                .ok_or_else(|| name.chars().filter(|c| !c.is_control()).take(40).collect()),
        )
    }

    /// Bytes declared GBK or GB18030 that are valid UTF-8 with characters
    /// beyond ASCII: UTF-8 labelled wrongly, which GBK would read without
    /// an error as other characters (王芳 as 鐜嬭姵). Chinese text in GBK is
    /// practically never valid UTF-8 (its lead bytes are UTF-8's
    /// continuation bytes).
    pub fn mislabelled(self, bytes: &[u8]) -> bool {
        self != Charset::Utf8 && !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok()
    }

    /// The text, or `None` when a byte sequence is invalid in this charset
    /// (or the bytes are UTF-8 declared as GBK: [`Charset::mislabelled`]).
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        if self.mislabelled(bytes) {
            return None;
        }
        let encoding = match self {
            Charset::Utf8 => encoding_rs::UTF_8,
            Charset::Gbk => encoding_rs::GBK,
            Charset::Gb18030 => encoding_rs::GB18030,
        };
        let bytes = match self {
            Charset::Utf8 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
            _ => bytes,
        };
        encoding
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(std::borrow::Cow::into_owned)
    }
}
