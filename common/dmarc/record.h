// parse_dmarc_record: the text of one DMARC policy record (a TXT record at _dmarc.<domain>) ->
// DmarcRecord, following RFC 9989 (DMARCbis) and still reading RFC 7489 records. The text comes from
// DNS and is untrusted. Pure function; limits: kMaxDmarcRecordBytes of text, kMaxDmarcTags tag
// specs, kMaxReportUris URIs per rua/ruf, kMaxReportUriBytes per URI.
//
// Syntax (DKIM tag-list, RFC 6376 3.2): "v=DMARC1" must be the first tag; tags are separated by ';'
// with optional spaces/tabs; a trailing ';' is allowed. Case: tag names and keyword values are
// case-insensitive (ABNF literals); the version value "DMARC1" is case-sensitive (%s / %x in both
// RFCs' ABNF); URIs are kept as written. A tag name given twice makes the record invalid (RFC 6376).
// Unknown tags are ignored. A known optional tag with a bad value is ignored (its default applies)
// and noted in `warnings`, except p, sp and np: a missing or invalid p, or an invalid sp or np, makes
// the record act as "p=none" (p_implied) if rua holds at least one valid URI, and makes it invalid
// otherwise (RFC 9989 policy discovery, as RFC 7489 6.6.3).
// RFC 9989 removed pct, rf and ri: they are parsed and kept for reports but change nothing, except
// that pct without t maps to t (pct=0 -> t=y, any other pct -> t=n), as RFC 9989's transition
// text for pct says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxDmarcRecordBytes = 4096;
inline constexpr size_t kMaxDmarcTags = 32;
inline constexpr size_t kMaxReportUris = 16;
inline constexpr size_t kMaxReportUriBytes = 512;

enum class DmarcPolicy { none, quarantine, reject };
enum class DmarcPsd { unset, yes, no };  // psd=u (the default), psd=y, psd=n
enum class DmarcAlign { relaxed, strict };

const char* to_string(DmarcPolicy p);
const char* to_string(DmarcAlign a);
char to_char(DmarcPsd p);  // 'u', 'y', 'n'

struct DmarcRecord {
  DmarcPolicy p = DmarcPolicy::none;
  bool p_implied = false;  // no valid p, or a bad sp/np: acting as p=none because rua is valid
  std::optional<DmarcPolicy> sp;
  std::optional<DmarcPolicy> np;
  DmarcPsd psd = DmarcPsd::unset;
  bool testing = false;    // t=y (or pct=0 in an RFC 7489 record without t)
  bool t_given = false;    // the record had a valid t tag
  std::optional<int> pct;  // RFC 7489 pct, kept for reports only
  DmarcAlign adkim = DmarcAlign::relaxed;
  DmarcAlign aspf = DmarcAlign::relaxed;
  std::vector<std::string> rua;  // valid URIs as written, with any "!size" suffix
  std::vector<std::string> ruf;
  std::string fo = "0";               // failure reporting options, kept as written (lower-case)
  std::string rf;                     // RFC 7489 only; kept
  std::optional<uint32_t> ri;         // RFC 7489 only; kept
  std::vector<std::string> warnings;  // tags ignored because of bad values, dropped URIs
};

// True when the text starts with the version tag "v=DMARC1" (spaces allowed around '='), i.e. the
// record is a DMARC record at all; RFC 9989 discards every other TXT record before counting.
bool is_dmarc_record(std::string_view text);

// Errors are permanent and say why the record is unusable.
Result<DmarcRecord> parse_dmarc_record(std::string_view text);

}  // namespace postern
