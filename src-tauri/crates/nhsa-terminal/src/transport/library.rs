//! The vendor library: `NationECCode.dll` on Windows, a `.so` with the same
//! C ABI on 信创 Linux desktops.
//!
//! `char* NationEcTrans(const char* url, const char* input, char* output)`:
//! strings are GB18030, the return value is a status (`"0000"` = went through,
//! then `output` holds the reply JSON; otherwise `output` holds the library's
//! own message). The call blocks until the patient finishes and cannot be
//! aborted, so it runs on a blocking thread and a timeout only stops waiting.

use std::ffi::{CStr, CString, c_char};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use encoding_rs::GB18030;

use crate::error::{TerminalError, TransportError};
use crate::protocol::TransType;

/// The ABI carries no length for `output`. Vendors ask for at least 20 KB; a
/// reply with a long drug list can exceed that, so we give generous room.
pub const OUTPUT_BUFFER_BYTES: usize = 256 * 1024;

/// `extern "system"` is stdcall on 32-bit Windows (what the vendor DLL uses)
/// and the C convention everywhere else.
type NationEcTrans = unsafe extern "system" fn(
    url: *const c_char,
    input: *const c_char,
    output: *mut c_char,
) -> *const c_char;

#[derive(Debug, Clone)]
pub struct LibraryTransport {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    center_url: CString,
    center_url_text: String,
    entry: NationEcTrans,
    /// Vendor libraries keep global state; one call at a time. A call that
    /// outlives our timeout keeps the lock, so the next one waits (and times
    /// out) rather than running two scans at once.
    lock: Mutex<()>,
    /// Keeps the code `entry` points into loaded. Declared last: dropped last.
    _library: libloading::Library,
}

impl LibraryTransport {
    pub fn open(path: &Path, center_url: &str) -> Result<Self, TerminalError> {
        let config = |msg: String| TerminalError::Config(msg);
        if center_url.trim().is_empty() {
            return Err(config("电子凭证中台地址不能为空".into()));
        }
        // SAFETY: loading a library runs its initialisers. The path is the
        // vendor library the hospital configured; that trust is the point of
        // this transport.
        let library = unsafe { libloading::Library::new(path) }
            .map_err(|e| config(format!("无法加载终端动态库 {}：{e}", path.display())))?;
        // SAFETY: the symbol is declared with the vendor's documented signature.
        let entry: NationEcTrans = unsafe {
            *library
                .get::<NationEcTrans>(b"NationEcTrans\0")
                .map_err(|e| {
                    config(format!(
                        "动态库 {} 中没有 NationEcTrans：{e}",
                        path.display()
                    ))
                })?
        };
        let center_url_c = gb18030_cstring(center_url)
            .ok_or_else(|| config("电子凭证中台地址含有非法字符".into()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                center_url: center_url_c,
                center_url_text: center_url.to_owned(),
                entry,
                lock: Mutex::new(()),
                _library: library,
            }),
        })
    }
}

fn gb18030_cstring(text: &str) -> Option<CString> {
    let (bytes, _, _) = GB18030.encode(text);
    CString::new(bytes.into_owned()).ok()
}

fn gb18030_text(bytes: &[u8]) -> String {
    GB18030.decode_without_bom_handling(bytes).0.into_owned()
}

impl Inner {
    fn call_blocking(&self, input: &CString) -> Result<String, TransportError> {
        let _one_at_a_time = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut output = vec![0u8; OUTPUT_BUFFER_BYTES];
        // SAFETY: both inputs are NUL-terminated and live across the call;
        // `output` is writable for OUTPUT_BUFFER_BYTES, more than the vendor's
        // documented minimum.
        let status = unsafe {
            (self.entry)(
                self.center_url.as_ptr(),
                input.as_ptr(),
                output.as_mut_ptr().cast::<c_char>(),
            )
        };
        let status = if status.is_null() {
            String::new()
        } else {
            // SAFETY: the library returns a NUL-terminated status string it owns.
            gb18030_text(unsafe { CStr::from_ptr(status) }.to_bytes())
        };
        let Some(end) = output.iter().position(|&b| b == 0) else {
            return Err(TransportError::Io {
                detail: "动态库的输出没有结束符（可能超出缓冲区）".into(),
            });
        };
        let text = gb18030_text(&output[..end]);
        if status.trim() == "0000" {
            Ok(text)
        } else {
            Err(TransportError::Library {
                status,
                message: text,
            })
        }
    }
}

#[async_trait::async_trait]
impl super::Transport for LibraryTransport {
    async fn exchange(
        &self,
        _trans_type: TransType,
        envelope: &str,
        timeout: Duration,
    ) -> Result<String, TransportError> {
        let input = gb18030_cstring(envelope).ok_or_else(|| TransportError::Io {
            detail: "请求中含有 NUL 字符".into(),
        })?;
        let inner = Arc::clone(&self.inner);
        let call = tokio::task::spawn_blocking(move || inner.call_blocking(&input));
        match tokio::time::timeout(timeout, call).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(TransportError::Io {
                detail: format!("动态库调用异常结束：{join}"),
            }),
            Err(_) => {
                tracing::warn!(
                    library = %self.inner.path.display(),
                    "vendor library call outlived its timeout; it keeps running on its thread"
                );
                Err(TransportError::Timeout { after: timeout })
            }
        }
    }

    fn describe(&self) -> String {
        format!(
            "动态库 {}（中台 {}）",
            self.inner.path.display(),
            self.inner.center_url_text
        )
    }
}
