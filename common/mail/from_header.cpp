// Implements parse_from_header. Contract in from_header.h.
#include "common/mail/from_header.h"

namespace postern {

FromHeader parse_from_header(const std::vector<std::string>& from_values) {
  FromHeader h;
  h.fields = from_values.size();
  if (from_values.empty()) return h;
  if (from_values.size() > 1) {
    size_t n = from_values.size();
    Error e = Error::perm(std::to_string(n) + (n > kMaxFromHeaders ? "+" : "") +
                          " From: headers, exactly one is allowed");
    h.addresses = e;
    h.author = e;
    return h;
  }
  h.addresses = parse_address_list(from_values.front());
  if (!h.addresses) {
    h.author = Error::perm("From: header does not parse: " + h.addresses.error().message);
  } else if (h.addresses->empty()) {
    h.author = Error::perm("From: header holds no address");
  } else if (h.addresses->size() > 1) {
    h.author = Error::perm("From: header holds " + std::to_string(h.addresses->size()) +
                           " addresses, exactly one is allowed");
  } else {
    h.author = h.addresses->front();
  }
  return h;
}

}  // namespace postern
