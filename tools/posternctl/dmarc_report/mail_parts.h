// report_attachments: the report files in an untrusted mail (what arrives at a rua address): the
// leaf MIME parts whose media type or file name says gzip, zip or XML (application/gzip,
// application/x-gzip, application/zip, application/x-zip-compressed, text/xml, application/xml,
// or a name ending .xml, .gz, .zip), base64 or 7bit/8bit/binary decoded. A mail that is not MIME
// is one part. Headers unfolded, parameters quoted or not. Limits: kMaxMailPartDepth nesting,
// kMaxMailParts parts, and no decoded part larger than max_part bytes. Pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxMailPartDepth = 4;
inline constexpr size_t kMaxMailParts = 64;

struct MailAttachment {
  std::string name;  // the file name, or "" when the part has none
  std::string bytes;
};

Result<std::vector<MailAttachment>> report_attachments(std::string_view mail, size_t max_part);

}  // namespace postern
