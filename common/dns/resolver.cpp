// to_string for the enums of resolver.h (contract there).
#include "common/dns/resolver.h"

namespace postern {

const char* to_string(DnsStatus s) {
  switch (s) {
    case DnsStatus::answer:
      return "answer";
    case DnsStatus::nxdomain:
      return "nxdomain";
    case DnsStatus::nodata:
      return "nodata";
    case DnsStatus::servfail:
      return "servfail";
    case DnsStatus::timeout:
      return "timeout";
    case DnsStatus::error:
      return "error";
    case DnsStatus::bad_name:
      return "bad_name";
  }
  return "unknown";
}

const char* to_string(RrType t) {
  switch (t) {
    case RrType::A:
      return "A";
    case RrType::CNAME:
      return "CNAME";
    case RrType::PTR:
      return "PTR";
    case RrType::MX:
      return "MX";
    case RrType::TXT:
      return "TXT";
    case RrType::TLSA:
      return "TLSA";
    case RrType::AAAA:
      return "AAAA";
  }
  return "unknown";
}

}  // namespace postern
