//! What a request must be before the library sees it: its charset, one JSON object without control characters, the token.

use crate::HostError;
use axum::http::{HeaderMap, header};
use nhsa_terminal::transport::Charset;
use serde_json::Value;

/// The request's declared charset; UTF-8 when it declares none.
pub(crate) fn request_charset(headers: &HeaderMap) -> Result<Charset, HostError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Charset::Utf8);
    };
    match Charset::of_content_type(&String::from_utf8_lossy(value.as_bytes())) {
        None => Ok(Charset::Utf8),
        Some(found) => found.map_err(HostError::UnknownCharset),
    }
}

/// One JSON object without control characters; its `transType`, for the log.
pub(crate) fn check_envelope(text: &str) -> Result<String, HostError> {
    // JSON's own whitespace is allowed between tokens (inside strings JSON
    // itself refuses it); anything else could cut or confuse the C string.
    if let Some((at, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(HostError::ControlCharacter {
            at: at + 1,
            code: u32::from(c),
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| HostError::NotJson(e.to_string()))?;
    let Value::Object(envelope) = value else {
        return Err(HostError::NotJson("顶层应为对象".into()));
    };
    Ok(envelope
        .get("transType")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect())
}

/// Compared in time independent of where the first difference is.
pub(crate) fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
    else {
        return false;
    };
    let expected = token.as_bytes();
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::check_listen;

    #[test]
    fn only_loopback_is_served() {
        for ok in ["127.0.0.1:4302", "[::1]:4302", "127.0.0.2:0"] {
            assert!(check_listen(ok.parse().unwrap()).is_ok(), "{ok}");
        }
        for refused in ["0.0.0.0:4302", "192.168.1.20:4302", "[::]:4302"] {
            let err = check_listen(refused.parse().unwrap()).unwrap_err();
            assert_eq!(err.code().as_str(), "listen_not_loopback");
            assert!(err.to_string().contains("--listen"), "{err}");
        }
    }

    #[test]
    fn envelopes_are_json_objects_without_control_characters() {
        assert_eq!(
            check_envelope("{\n\t\"transType\": \"cn.nhsa.ec.auth\"}\r\n").unwrap(),
            "cn.nhsa.ec.auth"
        );
        for (text, code) in [
            ("{\"a\":\"x\u{0}y\"}", "control_character"),
            ("{\"a\":\"\u{1b}[2J\"}", "control_character"),
            ("{\"a\":\"\u{85}\"}", "control_character"),
            ("[1,2]", "not_json"),
            ("{\"a\":", "not_json"),
        ] {
            assert_eq!(
                check_envelope(text).unwrap_err().code().as_str(),
                code,
                "{text:?}"
            );
        }
    }

    #[test]
    fn bearer_tokens_compare_whole() {
        let mut h = HeaderMap::new();
        assert!(!bearer_matches(&h, "abc"));
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert!(bearer_matches(&h, "abc"));
        assert!(!bearer_matches(&h, "abcd"));
        assert!(!bearer_matches(&h, "abd"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(!bearer_matches(&h, "abc"));
    }

    #[test]
    fn charsets_are_read_from_content_type() {
        let mut h = HeaderMap::new();
        assert_eq!(request_charset(&h).unwrap(), Charset::Utf8);
        h.insert(
            header::CONTENT_TYPE,
            "application/json; charset=GB18030".parse().unwrap(),
        );
        assert_eq!(request_charset(&h).unwrap(), Charset::Gb18030);
        h.insert(
            header::CONTENT_TYPE,
            "application/json;charset=latin1".parse().unwrap(),
        );
        assert_eq!(
            request_charset(&h).unwrap_err().code().as_str(),
            "unknown_charset"
        );
    }
}
