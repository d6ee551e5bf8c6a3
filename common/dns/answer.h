// parse_dns_answer: one DNS response in wire format -> DnsResult for the question we asked.
// The bytes come from the network and are untrusted: ldns does the wire decoding (bounded by the
// 64 KiB message size), this code checks the question, follows CNAMEs inside the answer (at most
// kMaxCnameChain), keeps at most kMaxAnswerRecords records of the asked type and caps TXT records
// at kMaxTxtLength bytes. Record and negative TTLs are capped by the TTLs of the CNAMEs followed.
// Pure function.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/core/result.h"
#include "common/dns/resolver.h"

namespace postern {

inline constexpr size_t kMaxCnameChain = 8;
inline constexpr size_t kMaxAnswerRecords = 256;
inline constexpr size_t kMaxTxtLength = 64 * 1024;

struct ParsedAnswer {
  uint16_t id = 0;
  bool truncated = false;
  int rcode = 0;
  DnsResult result;
  // Set when the answer ends in a CNAME whose target has no records here: ask again for it.
  std::string cname_target;
};

// Lower-case, without the trailing dot; "" for the root.
std::string normalise_dns_name(std::string_view name);

// Errors mean the bytes are not a response to this question (malformed message, wrong question);
// the caller keeps waiting for the right reply. A response to this question whose records are
// malformed or whose CNAME chain is too long is a ParsedAnswer with result.status == error.
Result<ParsedAnswer> parse_dns_answer(std::span<const uint8_t> wire, std::string_view qname, RrType qtype);

}  // namespace postern
