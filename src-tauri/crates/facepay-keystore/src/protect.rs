//! Sealing the key file's bytes to this user: DPAPI on Windows; elsewhere
//! the file's 0600 mode is the protection (or the Secret Service, later).

#[cfg(not(windows))]
pub fn seal(plain: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    Some(zeroize::Zeroizing::new(plain.to_vec()))
}

#[cfg(not(windows))]
pub fn unseal(sealed: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    Some(zeroize::Zeroizing::new(sealed.to_vec()))
}

#[cfg(windows)]
pub fn seal(plain: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    dpapi(plain, true)
}

#[cfg(windows)]
pub fn unseal(sealed: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    dpapi(sealed, false)
}

/// CryptProtectData / CryptUnprotectData for the current user, without UI.
#[cfg(windows)]
fn dpapi(input: &[u8], protect: bool) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Cryptography::{
        CRYPT_INTEGER_BLOB, CRYPTPROTECT_UI_FORBIDDEN, CryptProtectData, CryptUnprotectData,
    };
    let len = u32::try_from(input.len()).ok()?;
    let blob_in = CRYPT_INTEGER_BLOB {
        cbData: len,
        pbData: input.as_ptr().cast_mut(),
    };
    let mut blob_out = CRYPT_INTEGER_BLOB {
        cbData: 0,
        pbData: std::ptr::null_mut(),
    };
    // SAFETY: the input blob points at `input` for the call; the output is
    // allocated by Windows, copied, then freed with LocalFree.
    let ok = unsafe {
        if protect {
            CryptProtectData(
                &blob_in,
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
                CRYPTPROTECT_UI_FORBIDDEN,
                &mut blob_out,
            )
        } else {
            CryptUnprotectData(
                &blob_in,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
                CRYPTPROTECT_UI_FORBIDDEN,
                &mut blob_out,
            )
        }
    };
    if ok == 0 || blob_out.pbData.is_null() {
        return None;
    }
    // SAFETY: Windows returned cbData bytes at pbData.
    let out =
        unsafe { std::slice::from_raw_parts(blob_out.pbData, blob_out.cbData as usize).to_vec() };
    // SAFETY: pbData was allocated by CryptProtectData/CryptUnprotectData.
    unsafe {
        LocalFree(blob_out.pbData.cast());
    }
    Some(zeroize::Zeroizing::new(out))
}
