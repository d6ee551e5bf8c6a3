// Implements normalise_sender. Contract in sender.h.
#include "common/greylist/sender.h"

#include <algorithm>
#include <vector>

#include "common/core/ascii.h"

namespace postern {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

}  // namespace

std::string address_domain(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? "" : ascii_lower(address.substr(at + 1));
}

std::string normalise_sender(std::string_view sender_in) {
  if (sender_in.empty()) return "<>";
  std::string sender = ascii_lower(sender_in.substr(0, kMaxSenderLength));
  size_t at = sender.rfind('@');
  if (at == std::string::npos || at == 0) return sender;
  std::string local = sender.substr(0, at);
  std::string domain = sender.substr(at + 1);

  // SRS: the original sender is encoded in the local part.
  if (local.rfind("srs0=", 0) == 0 || local.rfind("srs0+", 0) == 0 || local.rfind("srs0-", 0) == 0) {
    auto parts = split(std::string_view(local).substr(5), '=');  // HASH, TT, domain, local...
    if (parts.size() >= 4 && !parts[2].empty()) {
      std::string orig_local(local.substr(5 + parts[0].size() + parts[1].size() + parts[2].size() + 3));
      if (!orig_local.empty()) {
        local = orig_local;
        domain = std::string(parts[2]);
      }
    }
  } else if (local.rfind("srs1=", 0) == 0) {
    size_t dbl = local.find("==");
    if (dbl != std::string::npos) {
      auto parts = split(std::string_view(local).substr(dbl + 2), '=');  // HASH, TT, domain, local...
      if (parts.size() >= 4 && !parts[2].empty()) {
        size_t skip = dbl + 2 + parts[0].size() + parts[1].size() + parts[2].size() + 3;
        if (skip < local.size()) {
          std::string orig_local = local.substr(skip);
          local = orig_local;
          domain = std::string(parts[2]);
        }
      }
    }
  }
  // BATV: prvs=TAG=local (RFC draft; also seen as prvs=local=TAG) and btv1==TAG==local.
  if (local.rfind("prvs=", 0) == 0) {
    auto parts = split(std::string_view(local).substr(5), '=');
    if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
      // The tag is 10 characters: a key digit, 3 day digits and 6 hex digits.
      bool first_is_tag = parts[0].size() == 10;
      local = std::string(first_is_tag ? parts[1] : parts[0]);
    }
  } else if (local.rfind("btv1==", 0) == 0) {
    size_t dbl = local.find("==", 6);
    if (dbl != std::string::npos && dbl + 2 < local.size()) local = local.substr(dbl + 2);
  }
  // +extension
  size_t plus = local.find('+');
  if (plus != std::string::npos && plus > 0) local.resize(plus);
  return local + "@" + domain;
}

}  // namespace postern
