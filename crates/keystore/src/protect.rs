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

/// Replace `path`'s ACL by one that lets this user, and nobody else, in
/// (no inherited entries).
#[cfg(windows)]
pub fn user_only_acl(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Foundation::{CloseHandle, GENERIC_ALL, HANDLE};
    use windows_sys::Win32::Security::Authorization::{SE_FILE_OBJECT, SetNamedSecurityInfoW};
    use windows_sys::Win32::Security::{
        ACCESS_ALLOWED_ACE, ACL, ACL_REVISION, AddAccessAllowedAce, DACL_SECURITY_INFORMATION,
        GetLengthSid, GetTokenInformation, InitializeAcl, PROTECTED_DACL_SECURITY_INFORMATION,
        TOKEN_QUERY, TOKEN_USER, TokenUser,
    };
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
    let last = std::io::Error::last_os_error;
    // SAFETY: Win32 calls with buffers sized as the API asks; the token
    // handle is closed on every path; the SID lives in `user` throughout.
    unsafe {
        let mut token: HANDLE = std::ptr::null_mut();
        if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
            return Err(last());
        }
        let mut len = 0u32;
        GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut len);
        let mut user = vec![0u8; len as usize];
        let got = GetTokenInformation(token, TokenUser, user.as_mut_ptr().cast(), len, &mut len);
        CloseHandle(token);
        if got == 0 {
            return Err(last());
        }
        let sid = (*user.as_ptr().cast::<TOKEN_USER>()).User.Sid;
        let size = std::mem::size_of::<ACL>()
            + std::mem::size_of::<ACCESS_ALLOWED_ACE>()
            + GetLengthSid(sid) as usize;
        let mut acl = vec![0u8; size];
        let acl_ptr = acl.as_mut_ptr().cast::<ACL>();
        if InitializeAcl(acl_ptr, size as u32, ACL_REVISION) == 0
            || AddAccessAllowedAce(acl_ptr, ACL_REVISION, GENERIC_ALL, sid) == 0
        {
            return Err(last());
        }
        let wide: Vec<u16> = path.as_os_str().encode_wide().chain(Some(0)).collect();
        let status = SetNamedSecurityInfoW(
            wide.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl_ptr,
            std::ptr::null(),
        );
        if status != 0 {
            return Err(std::io::Error::from_raw_os_error(status as i32));
        }
    }
    Ok(())
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
