// [milter] section. Owned by the milter component; extend the struct and read_milter_config together.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "common/config/reader.h"

namespace postern {

struct MilterConfig {
  std::string socket = "unix:/var/spool/postfix/postern/milter.sock";  // unix:PATH or inet:HOST:PORT
  std::string user = "postern";  // privileges dropped to this user after binding
  std::string group = "postern";
  // The authserv-id of our Authentication-Results header; "" = this host's name. Incoming
  // Authentication-Results headers claiming it are removed.
  std::string authserv_id;
  // Deadline for all DNS work of one message, from MAIL FROM to end of message (SPF, DKIM keys,
  // DMARC records); each lookup gets what is left.
  std::chrono::milliseconds message_timeout{std::chrono::seconds(10)};
};

void read_milter_config(SectionReader& r, MilterConfig& c);

}  // namespace postern
