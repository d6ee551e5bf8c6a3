// postern-milter's accept(): libmilter's listener thread treats accept() failing with EMFILE or
// ENFILE (out of file descriptors), ENOBUFS or ENOMEM as harmless and retries at once, and the
// listening socket stays readable while a connection waits in its queue, so at the descriptor limit
// the thread spins at full CPU without a log line (libmilter 8.17's listener.c). As reload.cpp does
// for sigwait(), accept_backoff.cpp defines the process's accept(): libmilter's call resolves to it
// ahead of libc's. It accepts as accept4(fd, addr, len, 0) does; when that fails for want of
// descriptors or memory it logs one line per streak (accept_failed, with the limit) and sleeps
// before returning the error, 50 ms doubling up to 1 s, so the listener retries at most once a
// second instead of spinning; the first success at least 2 s after the streak's last failure logs
// accept_recovered (successes in between, as descriptors free up now and then at the limit, do not
// start a new streak). Connections wait in the listen queue meanwhile (Postfix's milter timeouts
// bound their wait). Only libmilter's listener thread calls accept() in this executable.
// Every accepted TCP connection also gets TCP_NODELAY: libmilter writes each reply as its own small
// packet, and without it the second of two replies (an added header, then the verdict) waits for
// the MTA's delayed ACK of the first, about 40 ms on Linux (Nagle's algorithm meeting delayed ACKs).
#pragma once

#include <memory>

#include "common/log/log.h"

namespace postern {

// Where accept() logs; set in main before smfi_main(). Without it, accept() still backs off.
void set_accept_log(std::shared_ptr<Logger> log);

}  // namespace postern
