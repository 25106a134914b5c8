//! Reply bytes in the charsets bridges answer in (`Charset::decode`).
//!
//! Invariants: decoding never panics; a `Some(text)` contains U+FFFD only when
//! the input holds that character's encoding (nothing is replaced); and the
//! text re-encoded with encoding_rs decodes to the same text. Characters the
//! encoder reports unmappable are left out of the round trip (the text without
//! them must still round-trip): the WHATWG gb18030 tables decode a few byte
//! sequences to characters the encoder by design will not produce.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nhsa_terminal::transport::Charset;

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// U+FFFD in UTF-8 and in GB18030.
const UTF8_REPLACEMENT: &[u8] = b"\xEF\xBF\xBD";
const GB18030_REPLACEMENT: &[u8] = b"\x84\x31\xA4\x37";

fuzz_target!(|data: &[u8]| {
    for charset in [Charset::Utf8, Charset::Gbk, Charset::Gb18030] {
        let Some(mut text) = charset.decode(data) else {
            continue;
        };
        let replacement = match charset {
            Charset::Utf8 => UTF8_REPLACEMENT,
            Charset::Gbk | Charset::Gb18030 => GB18030_REPLACEMENT,
        };
        if text.contains('\u{FFFD}') {
            assert!(
                data.windows(replacement.len()).any(|w| w == replacement),
                "{charset:?} produced U+FFFD from {data:?}"
            );
        }
        let encoded = match charset {
            // With a BOM: a text that itself starts with U+FEFF keeps it.
            Charset::Utf8 => [BOM, text.as_bytes()].concat(),
            // The GBK decoder is the gb18030 decoder (WHATWG): four-byte
            // sequences are valid in both.
            Charset::Gbk | Charset::Gb18030 => {
                if encoding_rs::GB18030.encode(&text).2 {
                    text.retain(|c| !encoding_rs::GB18030.encode(c.encode_utf8(&mut [0; 4])).2);
                }
                let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
                assert!(!unmappable, "{text:?}");
                bytes.into_owned()
            }
        };
        // Re-encoding may write a byte sequence other than the input's
        // (gb18030 decodes some sequences to characters it encodes
        // otherwise), which can happen to be valid UTF-8: bytes the decoder
        // refuses by design as UTF-8 labelled GBK.
        if charset.mislabelled(&encoded) {
            continue;
        }
        assert_eq!(
            charset.decode(&encoded).as_deref(),
            Some(text.as_str()),
            "{charset:?}: {text:?} re-encoded as {encoded:?}"
        );
    }
});
