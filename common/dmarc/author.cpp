// Implements dmarc_author. Contract in author.h.
#include "common/dmarc/author.h"

namespace postern {

Result<MailAddress> dmarc_author(const std::vector<std::string>& from_headers) {
  if (from_headers.empty()) return Error::perm("no From: header");
  if (from_headers.size() > 1) {
    size_t n = from_headers.size();
    return Error::perm(std::to_string(n) + (n > kMaxFromHeaders ? "+" : "") +
                       " From: headers, exactly one is allowed");
  }
  auto list = parse_address_list(from_headers.front());
  if (!list) return Error::perm("From: header does not parse: " + list.error().message);
  if (list->empty()) return Error::perm("From: header holds no address");
  if (list->size() > 1) {
    return Error::perm("From: header holds " + std::to_string(list->size()) +
                       " addresses, exactly one is allowed");
  }
  const MailAddress& a = list->front();
  if (!a.group.empty()) return Error::perm("From: address is inside a group");
  return a;
}

}  // namespace postern
