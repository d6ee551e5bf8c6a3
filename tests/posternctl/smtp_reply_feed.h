// A test helper shared by posternctl_audit_readers_test and the smtp_reply fuzz target: feeds
// SmtpReplyReader (tools/posternctl/audit/smtp_reply.h) the bytes a server sent in two pieces and
// collects every reply as "CODE|line|line..." (with ehlo_keywords: "/KEYWORD" for each EHLO
// keyword after the lines), so a whole feed and a split one can be compared. failed is set when
// the reader refused the input; the replies before that are returned.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tools/posternctl/audit/smtp_reply.h"

namespace postern::test {

inline std::vector<std::string> smtp_replies_fed(std::string_view a, std::string_view b, bool& failed,
                                                 bool ehlo_keywords = false) {
  audit::SmtpReplyReader r;
  std::vector<std::string> out;
  failed = false;
  for (auto piece : {a, b}) {
    r.append(piece);
    while (true) {
      auto n = r.next();
      if (!n) {
        failed = true;
        return out;
      }
      if (!*n) break;
      std::string s = std::to_string((*n)->code);
      for (const auto& l : (*n)->lines) s += "|" + l;
      if (ehlo_keywords) {
        for (const auto& k : (*n)->ehlo_keywords()) s += "/" + k;
      }
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace postern::test
