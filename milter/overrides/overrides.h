// The functions postern-milter defines in place of a library's, all of them here. An executable's
// own definition of a symbol takes precedence, for every shared object it loads, over the one in
// libc or libcrypto (ELF symbol interposition), so the libraries' own calls land in these. Each
// keeps the original's contract and changes one thing, for a reason libmilter or libopendkim give
// no other way to reach:
//
// | symbol           | file               | what changes, why                                        | proved
// by                      |
// |------------------|--------------------|----------------------------------------------------------|--------------------------------|
// | sigwait()        | sigwait.cpp        | a set holding SIGHUP and other signals is waited for      |
// MilterReload.*, Overrides.*    | |                  |                    | without SIGHUP: libmilter's
// signal thread would stop the |                                | |                  |                    |
// milter on SIGHUP; the ReloadWatcher (reload.h) takes it  |                                | | | | and
// reloads. A set of SIGHUP alone goes to libc's        |                                | | | | sigwait()
// unchanged (nothing else would be left to wait  |                                | |                  | |
// for, and the call would never return).                   |                                | | accept() |
// accept.cpp         | EMFILE/ENFILE/ENOBUFS/ENOMEM: one log line per streak    | MilterFdLimit.*,
// milter_inet_  | |                  |                    | and a pause (50 ms doubling to 1 s) before the
// error is  | test                           | |                  |                    | returned, since
// libmilter's listener retries at once and |                                | |                  | | spins;
// TCP_NODELAY on accepted TCP sockets (libmilter    |                                | |                  |
// | writes replies as separate small packets: a 40 ms stall  |                                | | | | per
// message otherwise, see DESIGN.md's pitfalls).        |                                | | d2i_PUBKEY_bio()
// | d2i_pubkey_bio.cpp | calls from libopendkim's code on a memory BIO are served | PublicKeyCache.*,
// MilterProto- | |                  |                    | from a PublicKeyCache
// (common/dkim/public_key_cache.h):  | col.* (interposer found)       | |                  | | OpenSSL 3 key
// decoding costs more than the RSA check.    |                                |
//
// Turning them off: `[dkim] key_cache = false` makes d2i_PUBKEY_bio() pass every call to libcrypto
// (also on reload). accept() and sigwait() pass everything through except the cases above. Building
// with -DPOSTERN_MILTER_OVERRIDES=OFF leaves all three out of the executable: SIGHUP then stops the
// milter (as with plain libmilter; reload with a restart), the listener spins at the descriptor
// limit, and inet connections see the delayed-ACK stall; the milter tests that prove the overrides
// then fail, as they should.
// Only postern-milter and the tests of these functions link this object library.
#pragma once

#include <memory>

#include "common/dkim/public_key_cache.h"
#include "common/log/log.h"

namespace postern {

// Where accept() logs; set in main before smfi_main(). Without it, accept() still backs off.
void set_accept_log(std::shared_ptr<Logger> log);

// Routes libopendkim's key decoding through cache (nullptr: back to plain decoding; callable at
// any time, e.g. on reload). Returns false when libopendkim's code cannot be located; decoding then
// works as before, only uncached.
bool install_libopendkim_key_cache(PublicKeyCache* cache);

}  // namespace postern
