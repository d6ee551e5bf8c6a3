// [policyd]: the front-end-only settings of postern-policyd, the Postfix policy service (socket,
// privileges, connections, workers, trusted networks, store write-behind). Its sub-tables belong to
// the areas that use them: [policyd.greylist] common/greylist/greylist_config.h, [policyd.dnsbl]
// common/dnsbl/dnsbl_config.h, [policyd.ratelimit] common/ratelimit/ratelimit_config.h.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "common/config/reader.h"
#include "common/core/clock.h"
#include "common/dnsbl/dnsbl_config.h"
#include "common/greylist/greylist_config.h"
#include "common/ratelimit/ratelimit_config.h"

namespace postern {

struct PolicydConfig {
  std::string socket = "unix:/var/spool/postfix/postern/policy.sock";  // unix:PATH or inet:HOST:PORT
  std::string user = "postern";  // privileges dropped to this user after binding
  std::string group = "postern";
  int max_connections = 1000;  // Postfix opens one per smtpd process
  Seconds idle_timeout{300};   // close a connection idle this long
  // A request must arrive whole within this time of its first byte (a client dribbling bytes is
  // never idle, so idle_timeout alone does not end it); the connection is closed otherwise.
  Seconds request_timeout{10};
  // Threads answering requests (the pool's base size); 0: four per core. The pool grows by
  // itself while requests wait for DNS or the store. Read at start; a change needs a restart.
  int workers = 0;
  std::vector<std::string> trusted_networks;  // never greylisted or scored
  // Greylist updates are answered from memory and written to the store together, at most this
  // much later (one transaction and one sync for all of them); a crash loses at most this much of
  // them, which only greylists those senders once more. 0: every update is written (and, for
  // LMDB, synced) before the answer. LMDB only: with Redis, updates are written at once so that
  // other hosts see them. Read at start; a change needs a restart.
  std::chrono::milliseconds store_write_behind{100};
  GreylistConfig greylist;
  DnsblConfig dnsbl;
  RatelimitConfig ratelimit;
};

void read_policyd_config(SectionReader& r, PolicydConfig& c);

}  // namespace postern
