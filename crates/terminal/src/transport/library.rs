//! The vendor library: `NationECCode.dll` on Windows, a `.so` with the same
//! C ABI on 信创 Linux desktops.
//!
//! `char* NationEcTrans(const char* url, const char* input, char* output)`:
//! strings are GB18030, the return value is a status (`"0000"` = went through,
//! then `output` holds the reply JSON; otherwise `output` holds the library's
//! own message). The call blocks until the patient finishes and cannot be
//! aborted, so it runs on a blocking thread and a timeout only stops waiting.

use std::ffi::{CString, c_char};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tokio::sync::oneshot;

use encoding_rs::GB18030;

use crate::error::{TerminalError, TransportError};
use crate::protocol::TransType;
use crate::protocol::charset::Charset;

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

/// One call for the library's thread, and where its caller waits.
struct Job {
    input: CString,
    reply: oneshot::Sender<Result<String, TransportError>>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    center_url_text: String,
    /// The library's own thread: vendor libraries keep global state, so one
    /// thread owns it and runs one call at a time, in order.
    jobs: Mutex<mpsc::Sender<Job>>,
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
        let library = unsafe { load(path) }
            .map_err(|e| config(format!("无法加载终端动态库 {}：{e}", path.display())))?;
        let entry = entry_point(&library).map_err(|e| {
            config(format!(
                "动态库 {} 中没有 NationEcTrans：{e}",
                path.display()
            ))
        })?;
        let center_url_c = gb18030_cstring(center_url)
            .ok_or_else(|| config("电子凭证中台地址含有非法字符".into()))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("nation-ec-library".into())
            .spawn(move || {
                // The library lives as long as this thread: until the
                // transport is dropped and the queue is drained.
                let _library = library;
                for job in queue {
                    // Its caller timed out while it waited behind a call that
                    // hung: it is never sent — a late face scan would start
                    // on a counter where nobody waits for it.
                    if job.reply.is_closed() {
                        tracing::warn!("a library call whose caller gave up was not sent");
                        continue;
                    }
                    let _ = job
                        .reply
                        .send(call_blocking(entry, &center_url_c, &job.input));
                }
            })
            .map_err(|e| config(format!("无法启动动态库线程：{e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                center_url_text: center_url.to_owned(),
                jobs: Mutex::new(jobs),
            }),
        })
    }
}

/// A vendor DLL usually ships with DLLs of its own beside it (SM2/SM4,
/// device access). Windows looks for those in the loading program's folder,
/// not the DLL's, unless the DLL is given by full path with
/// `LOAD_WITH_ALTERED_SEARCH_PATH` (which, unlike the `LOAD_LIBRARY_SEARCH_*`
/// flags, Windows 7 has without updates). A bare name keeps the standard search.
///
/// # Safety
/// As `libloading::Library::new`: loading runs the library's initialisers.
#[cfg(windows)]
unsafe fn load(path: &Path) -> Result<libloading::Library, libloading::Error> {
    use libloading::os::windows::{LOAD_WITH_ALTERED_SEARCH_PATH, Library};
    if path.components().count() < 2 {
        // SAFETY: forwarded to the caller.
        return unsafe { libloading::Library::new(path) };
    }
    let full = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    // SAFETY: forwarded to the caller.
    unsafe { Library::load_with_flags(&full, LOAD_WITH_ALTERED_SEARCH_PATH) }.map(Into::into)
}

/// # Safety
/// As `libloading::Library::new`: loading runs the library's initialisers.
#[cfg(not(windows))]
unsafe fn load(path: &Path) -> Result<libloading::Library, libloading::Error> {
    // SAFETY: forwarded to the caller.
    unsafe { libloading::Library::new(path) }
}

/// The names the entry point is exported under. A Rust or `.def`-file build
/// exports it plain; a 32-bit MSVC build of a `__stdcall` function without a
/// `.def` file exports it decorated, with or without the leading underscore
/// (`@12`: three 4-byte pointer arguments).
const ENTRY_NAMES: [&[u8]; 3] = [
    b"NationEcTrans\0",
    b"_NationEcTrans@12\0",
    b"NationEcTrans@12\0",
];

fn entry_point(library: &libloading::Library) -> Result<NationEcTrans, libloading::Error> {
    let mut first_error = None;
    for name in ENTRY_NAMES {
        // SAFETY: the symbol is declared with the vendor's documented signature.
        match unsafe { library.get::<NationEcTrans>(name) } {
            Ok(symbol) => return Ok(*symbol),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(libloading::Error::DlSymUnknown))
}

fn gb18030_cstring(text: &str) -> Option<CString> {
    let (bytes, _, _) = GB18030.encode(text);
    CString::new(bytes.into_owned()).ok()
}

/// The library's status string, read no further than `MAX_STATUS_BYTES`.
const MAX_STATUS_BYTES: usize = 256;

fn bounded_status(status: *const c_char) -> Vec<u8> {
    let mut bytes = Vec::new();
    for i in 0..MAX_STATUS_BYTES {
        // SAFETY: the library returns a NUL-terminated string; we stop at its
        // NUL or at the bound, whichever comes first.
        // c_char is i8 on x86 and u8 on ARM (信创 desktops): take the byte as is.
        let b = unsafe { *status.add(i) } as u8;
        if b == 0 {
            break;
        }
        bytes.push(b);
    }
    bytes
}

fn call_blocking(
    entry: NationEcTrans,
    center_url: &CString,
    input: &CString,
) -> Result<String, TransportError> {
    let mut output = vec![0u8; OUTPUT_BUFFER_BYTES];
    // SAFETY: both inputs are NUL-terminated and live across the call;
    // `output` is writable for OUTPUT_BUFFER_BYTES, more than the vendor's
    // documented minimum.
    let status = unsafe {
        entry(
            center_url.as_ptr(),
            input.as_ptr(),
            output.as_mut_ptr().cast::<c_char>(),
        )
    };
    let status = if status.is_null() {
        String::new()
    } else {
        String::from_utf8_lossy(&bounded_status(status)).into_owned()
    };
    let Some(end) = output.iter().position(|&b| b == 0) else {
        return Err(TransportError::Io {
            detail: "动态库的输出没有结束符（可能超出缓冲区）".into(),
        });
    };
    // The one charset reader: invalid GB18030, or UTF-8 the library passed off as it, is refused.
    let text = Charset::Gb18030
        .decode(&output[..end])
        .ok_or(TransportError::Undecodable {
            charset: "GB18030".into(),
            bytes: end,
        })?;
    if status.trim() == "0000" {
        Ok(text)
    } else {
        Err(TransportError::Library {
            status,
            message: text,
        })
    }
}

impl LibraryTransport {
    /// One envelope through the library, for callers that hold the envelope
    /// as text (the `nation-ec-host` process): the library does not need the
    /// transaction type. When `timeout` passes, or this future is dropped,
    /// before the library's thread takes the call, the call is never made.
    pub async fn send(&self, envelope: &str, timeout: Duration) -> Result<String, TransportError> {
        let input = gb18030_cstring(envelope).ok_or_else(|| TransportError::Io {
            detail: "请求中含有 NUL 字符".into(),
        })?;
        let (reply, answer) = oneshot::channel();
        self.inner
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Job { input, reply })
            .map_err(|_| TransportError::Io {
                detail: "动态库线程已停止".into(),
            })?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(TransportError::Io {
                detail: "动态库调用异常结束".into(),
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
}

#[async_trait::async_trait]
impl super::Transport for LibraryTransport {
    async fn exchange(
        &self,
        _trans_type: TransType,
        envelope: &str,
        timeout: Duration,
    ) -> Result<String, TransportError> {
        self.send(envelope, timeout).await
    }

    fn describe(&self) -> String {
        format!(
            "动态库 {}（中台 {}）",
            self.inner.path.display(),
            self.inner.center_url_text
        )
    }
}
