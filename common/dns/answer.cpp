// Implements parse_dns_answer with ldns. Contract in answer.h.
#include "common/dns/answer.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <limits>
#include <memory>

namespace postern {
namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};

std::string dname_str(const ldns_rdf* rdf) {
  if (!rdf) return "";
  char* s = ldns_rdf2str(rdf);
  if (!s) return "";
  std::string out = normalise_dns_name(s);
  free(s);
  return out;
}

bool rr_data(const ldns_rr* rr, RrType type, DnsRecord& rec) {
  rec.ttl = ldns_rr_ttl(rr);
  switch (type) {
    case RrType::A:
    case RrType::AAAA: {
      const ldns_rdf* rdf = ldns_rr_rdf(rr, 0);
      size_t want = type == RrType::A ? 4 : 16;
      if (!rdf || ldns_rdf_size(rdf) != want) return false;
      char buf[INET6_ADDRSTRLEN];
      if (!inet_ntop(type == RrType::A ? AF_INET : AF_INET6, ldns_rdf_data(rdf), buf, sizeof buf))
        return false;
      rec.text = buf;
      return true;
    }
    case RrType::TXT: {
      for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
        size_t n = ldns_rdf_size(rdf);
        const uint8_t* d = ldns_rdf_data(rdf);
        if (n < 1 || d[0] + 1u > n) return false;
        if (rec.text.size() + d[0] > kMaxTxtLength) return false;
        rec.text.append(reinterpret_cast<const char*>(d + 1), d[0]);
      }
      return true;
    }
    case RrType::MX: {
      const ldns_rdf* pref = ldns_rr_rdf(rr, 0);
      if (!pref || ldns_rdf_size(pref) != 2 || ldns_rr_rd_count(rr) < 2) return false;
      rec.preference = ldns_rdf2native_int16(pref);
      rec.text = dname_str(ldns_rr_rdf(rr, 1));
      return true;
    }
    case RrType::TLSA: {
      // Three one-byte fields and the association data; ldns splits them into four rdfs.
      if (ldns_rr_rd_count(rr) != 4) return false;
      for (size_t i = 0; i < 3; ++i) {
        const ldns_rdf* f = ldns_rr_rdf(rr, i);
        if (!f || ldns_rdf_size(f) != 1) return false;
        rec.text += std::to_string(ldns_rdf_data(f)[0]) + " ";
      }
      const ldns_rdf* data = ldns_rr_rdf(rr, 3);
      if (!data || ldns_rdf_size(data) == 0 || ldns_rdf_size(data) > kMaxTxtLength / 2) return false;
      static constexpr char kHex[] = "0123456789abcdef";
      for (size_t i = 0; i < ldns_rdf_size(data); ++i) {
        rec.text.push_back(kHex[ldns_rdf_data(data)[i] >> 4]);
        rec.text.push_back(kHex[ldns_rdf_data(data)[i] & 15]);
      }
      return true;
    }
    case RrType::PTR:
    case RrType::CNAME:
      if (ldns_rr_rd_count(rr) < 1) return false;
      rec.text = dname_str(ldns_rr_rdf(rr, 0));
      return true;
  }
  return false;
}

// qname as ldns prints it (escapes included), normalised; "" if it is not a valid name.
std::string presentation_name(std::string_view qname) {
  std::string text(qname.empty() ? std::string_view(".") : qname);
  ldns_rdf* rdf = nullptr;
  if (ldns_str2rdf_dname(&rdf, text.c_str()) != LDNS_STATUS_OK || !rdf) return "";
  std::string out = dname_str(rdf);
  ldns_rdf_deep_free(rdf);
  return out;
}

// A genuine reply to our question (id and question match) whose content we cannot use: reported
// as DnsStatus::error, so the resolver moves on instead of waiting for another reply.
ParsedAnswer unusable(ParsedAnswer out, std::string detail) {
  out.result.records.clear();
  out.result.status = DnsStatus::error;
  out.result.detail = std::move(detail);
  out.cname_target.clear();
  return out;
}

// Follows the CNAME chain inside the answer section from want, collecting the records of qtype
// (at most kMaxAnswerRecords) at the name it ends at, which is returned. chain_ttl: the smallest
// TTL of the CNAMEs followed (the answer is only as fresh as they are).
Result<std::string> follow_cname_chain(const ldns_rr_list* answer, const std::string& want, RrType qtype,
                                       std::vector<DnsRecord>& records, uint32_t& chain_ttl) {
  size_t count = answer ? ldns_rr_list_rr_count(answer) : 0;
  std::string name = want;
  for (size_t hops = 0; hops <= kMaxCnameChain; ++hops) {
    std::string next;
    for (size_t i = 0; i < count; ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(answer, i);
      if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || dname_str(ldns_rr_owner(rr)) != name) continue;
      auto type = ldns_rr_get_type(rr);
      if (type == static_cast<ldns_rr_type>(qtype)) {
        DnsRecord rec;
        if (!rr_data(rr, qtype, rec)) return Error::perm("malformed record in answer");
        if (records.size() < kMaxAnswerRecords) records.push_back(std::move(rec));
      } else if (type == LDNS_RR_TYPE_CNAME && qtype != RrType::CNAME && next.empty()) {
        DnsRecord rec;
        if (rr_data(rr, RrType::CNAME, rec)) {
          next = rec.text;
          chain_ttl = std::min(chain_ttl, rec.ttl);
        }
      }
    }
    if (!records.empty() || next.empty()) return name;
    if (hops == kMaxCnameChain)
      return Error::perm("CNAME chain longer than " + std::to_string(kMaxCnameChain));
    name = next;
  }
  return name;
}

bool has_owner(const ldns_rr_list* list, const std::string& name) {
  for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    if (dname_str(ldns_rr_owner(ldns_rr_list_rr(list, i))) == name) return true;
  }
  return false;
}

bool soa_in(const ldns_rr_list* list) {
  for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    if (ldns_rr_get_type(ldns_rr_list_rr(list, i)) == LDNS_RR_TYPE_SOA) return true;
  }
  return false;
}

}  // namespace

std::string normalise_dns_name(std::string_view name) {
  std::string out(name);
  while (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

Result<ParsedAnswer> parse_dns_answer(std::span<const uint8_t> wire, std::string_view qname, RrType qtype) {
  if (wire.size() < 12) return Error::perm("short DNS message");
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK || !raw) {
    return Error::perm("malformed DNS message");
  }
  std::unique_ptr<ldns_pkt, PktFree> pkt(raw);
  if (!ldns_pkt_qr(pkt.get())) return Error::perm("not a response");
  ParsedAnswer out;
  out.id = ldns_pkt_id(pkt.get());
  out.truncated = ldns_pkt_tc(pkt.get());
  out.rcode = ldns_pkt_get_rcode(pkt.get());
  out.result.authenticated = ldns_pkt_ad(pkt.get());

  // Compare names in one form: ldns's presentation of the wire name, so that characters it escapes
  // (space, '@', '(' ...) in the asked name match the same name in the response.
  const std::string want = presentation_name(qname);
  if (want.empty() && !qname.empty() && qname != ".") return Error::perm("invalid question name");
  ldns_rr_list* question = ldns_pkt_question(pkt.get());
  if (!question || ldns_rr_list_rr_count(question) != 1)
    return Error::perm("response has no single question");
  const ldns_rr* q = ldns_rr_list_rr(question, 0);
  if (dname_str(ldns_rr_owner(q)) != want || ldns_rr_get_type(q) != static_cast<ldns_rr_type>(qtype) ||
      ldns_rr_get_class(q) != LDNS_RR_CLASS_IN) {
    return Error::perm("response is for another question");
  }
  if (out.truncated) return out;  // the caller retries over TCP

  switch (out.rcode) {
    case LDNS_RCODE_NOERROR:
    case LDNS_RCODE_NXDOMAIN:
      break;
    case LDNS_RCODE_SERVFAIL:
      out.result.status = DnsStatus::servfail;
      out.result.detail = "SERVFAIL";
      return out;
    default:
      out.result.status = DnsStatus::error;
      out.result.detail = "RCODE " + std::to_string(out.rcode);
      return out;
  }

  ldns_rr_list* answer = ldns_pkt_answer(pkt.get());
  uint32_t chain_ttl = std::numeric_limits<uint32_t>::max();
  auto name = follow_cname_chain(answer, want, qtype, out.result.records, chain_ttl);
  if (!name) return unusable(std::move(out), name.error().message);
  out.result.canonical_name = *name;
  if (*name != want) {
    for (auto& rec : out.result.records) rec.ttl = std::min(rec.ttl, chain_ttl);
  }
  if (!out.result.records.empty()) {
    out.result.status = DnsStatus::answer;
    return out;
  }
  ldns_rr_list* auth = ldns_pkt_authority(pkt.get());
  // The chain ends at a name this answer says nothing about, and no SOA says it has no data.
  if (*name != want && out.rcode == LDNS_RCODE_NOERROR && !has_owner(answer, *name) && !soa_in(auth))
    out.cname_target = *name;
  out.result.status = out.rcode == LDNS_RCODE_NXDOMAIN ? DnsStatus::nxdomain : DnsStatus::nodata;
  for (size_t i = 0; auth && i < ldns_rr_list_rr_count(auth); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(auth, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 7) continue;
    const ldns_rdf* minimum = ldns_rr_rdf(rr, 6);
    uint32_t min_ttl = ldns_rdf_size(minimum) == 4 ? ldns_rdf2native_int32(minimum) : 0;
    out.result.negative_ttl = std::min({ldns_rr_ttl(rr), min_ttl, chain_ttl});
    break;
  }
  return out;
}

}  // namespace postern
