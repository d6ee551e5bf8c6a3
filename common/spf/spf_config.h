// [spf] section: SPF (RFC 7208) of inbound mail in postern-milter, evaluated at MAIL FROM for the
// envelope sender (for the null sender, the HELO name). Owned by common/spf.
#pragma once
#include <string>

#include "common/config/reader.h"

namespace postern {

enum class SpfFailAction { reject, record };
inline constexpr Choice<SpfFailAction> kSpfFailActions[] = {{"reject", SpfFailAction::reject},
                                                            {"record", SpfFailAction::record}};
inline std::string_view to_string(SpfFailAction v) { return choice_name(v, kSpfFailActions); }

struct SpfConfig {
  bool enabled = true;
  // What an SPF "fail" does: "reject" (550 5.7.23 at MAIL FROM, with the domain's explanation) or
  // "record" (only the Authentication-Results header, the log and DMARC use it).
  SpfFailAction fail_action = SpfFailAction::record;
  // Add a Received-SPF header (RFC 7208 9.1) to inbound mail besides Authentication-Results.
  bool received_spf_header = false;
};

void read_spf_config(SectionReader& r, SpfConfig& c);

}  // namespace postern
