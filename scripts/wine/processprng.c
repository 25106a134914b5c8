/*
 * bcryptprimitives.dll for Wine 8, which lacks it.
 *
 * Rust's standard library (1.78 and later) takes its randomness from
 * ProcessPrng in bcryptprimitives.dll, which every Windows 10+ has; Wine 8.0
 * does not, so a Rust .exe stops at load with c0000135. Placed beside the .exe
 * under test, this one-function DLL answers from BCryptGenRandom, which Wine
 * has. It is built by scripts/wine-visit.sh for the Wine test only and never
 * shipped.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* BCryptGenRandom takes a ULONG count: feed larger requests in pieces. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
