// Implements dmarc_author. Contract in author.h.
#include "common/dmarc/author.h"

namespace postern {

Result<MailAddress> dmarc_author(const FromHeader& from) {
  if (!from.author) return from.author.error();
  if (!from.author->group.empty()) return Error::perm("From: address is inside a group");
  return *from.author;
}

Result<MailAddress> dmarc_author(const std::vector<std::string>& from_headers) {
  return dmarc_author(parse_from_header(from_headers));
}

}  // namespace postern
