//! A fake `NationECCode` library for tests on Linux.
//!
//! Like the vendor's, it takes the 中台 URL, the request envelope and an output
//! buffer as GB18030 C strings, blocks until the far end answers, and returns
//! `"0000"` with the reply in `output`, or its own status and message. The far
//! end here is `facepay-sim` over HTTP, so the simulator's scripting (delays,
//! errors, garbage) reaches the library transport unchanged.

use std::ffi::{CStr, c_char};
use std::time::Duration;

use encoding_rs::GB18030;

/// The buffer size the vendor documents; callers must give at least this.
pub const DOCUMENTED_OUTPUT_BYTES: usize = 20 * 1024;

const OK: &CStr = c"0000";
const E_ARGUMENT: &CStr = c"E001";
const E_CONNECT: &CStr = c"E002";
const E_HTTP: &CStr = c"E003";
const E_TOO_LONG: &CStr = c"E004";

/// # Safety
/// `url` and `input` must be NUL-terminated; `output` must be writable for at
/// least [`DOCUMENTED_OUTPUT_BYTES`] bytes.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn NationEcTrans(
    url: *const c_char,
    input: *const c_char,
    output: *mut c_char,
) -> *const c_char {
    if url.is_null() || input.is_null() || output.is_null() {
        return E_ARGUMENT.as_ptr();
    }
    // SAFETY: the caller promises NUL-terminated strings.
    let (url, input) = unsafe { (decode(CStr::from_ptr(url)), decode(CStr::from_ptr(input))) };
    let (status, text) = forward(&url, &input);
    let (bytes, _, _) = GB18030.encode(&text);
    let (status, bytes) = if bytes.len() < DOCUMENTED_OUTPUT_BYTES {
        (status, bytes.into_owned())
    } else {
        (E_TOO_LONG, GB18030.encode("输出超过缓冲区").0.into_owned())
    };
    // SAFETY: bytes.len() + 1 <= DOCUMENTED_OUTPUT_BYTES, which the caller provides.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), output.cast::<u8>(), bytes.len());
        *output.add(bytes.len()) = 0;
    }
    status.as_ptr()
}

fn decode(s: &CStr) -> String {
    GB18030
        .decode_without_bom_handling(s.to_bytes())
        .0
        .into_owned()
}

fn forward(url: &str, input: &str) -> (&'static CStr, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(3600)))
        .build()
        .into();
    let response = agent
        .post(url)
        .header("Content-Type", "application/json;charset=UTF-8")
        .send(input);
    match response {
        Err(e) => (E_CONNECT, format!("连接电子凭证中台失败：{e}")),
        Ok(mut r) if r.status().is_success() => match r.body_mut().read_to_string() {
            Ok(body) => (OK, body),
            Err(e) => (E_CONNECT, format!("读取中台应答失败：{e}")),
        },
        Ok(r) => (
            E_HTTP,
            format!("电子凭证中台返回 HTTP {}", r.status().as_u16()),
        ),
    }
}
