// domain_to_alabels: the one comparable form of a mail domain, IDNs included (IDNA2008, RFC 5890-5893,
// through libidn2 without UTS #46 mapping). A U-label ("bücher") becomes its A-label
// ("xn--bcher-kva"); an A-label is kept only when it is a valid one (it decodes, and encoding the
// result gives it back); ASCII letters are lower-cased. Nothing else is mapped: no width folding,
// no case folding outside ASCII ("BÜCHER" is refused), so a look-alike never turns into the name it
// imitates. A label that mixes letters of two of the confusable alphabets (Latin, Greek, Cyrillic,
// Armenian, Georgian, Cherokee), as U-label or as A-label, is refused as well. Domain literals
// ("[192.0.2.1]": printable ASCII between the brackets) and plain ASCII labels are only lower-cased.
// Input is untrusted bytes (a header value's domain): bounded by kMaxIdnDomainInput bytes; the
// result obeys kMaxDnsLabel per label and kMaxDnsName in total. Pure function.
#pragma once

#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxIdnDomainInput = 1024;  // UTF-8 bytes accepted before any conversion
inline constexpr size_t kMaxDnsLabel = 63;          // octets of one A-label
inline constexpr size_t kMaxDnsName = 253;          // octets of the dotted A-label form

Result<std::string> domain_to_alabels(std::string_view domain);

}  // namespace postern
