// Implements OwnershipMap. Contract in ownership.h.
#include "common/sender/ownership.h"

#include <algorithm>

#include "common/core/ascii.h"
#include "common/mail/idna.h"

namespace postern {
namespace {

// The comparable form of a domain (lower case, IDNs as validated A-labels); nullopt when invalid.
std::optional<std::string> comparable_domain(std::string_view d) {
  auto a = domain_to_alabels(d);
  if (!a) return std::nullopt;
  return std::move(*a);
}

}  // namespace

std::optional<std::pair<std::string_view, std::string_view>> split_address(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return std::nullopt;
  return std::make_pair(address.substr(0, at), address.substr(at + 1));
}

std::optional<std::string> OwnershipMap::normalise(std::string_view local, std::string_view domain) const {
  auto d = comparable_domain(domain);
  if (!d || local.empty()) return std::nullopt;
  std::string out = options_.local_part_case_insensitive ? ascii_lower(local) : std::string(local);
  out.push_back('@');
  out += *d;
  return out;
}

std::string OwnershipMap::normalise_login(std::string_view login) const {
  if (auto parts = split_address(login)) {
    if (auto n = normalise(parts->first, parts->second)) return *n;
  }
  return std::string(login);
}

OwnershipMap::OwnershipMap(const std::vector<LoginMapEntry>& entries, OwnershipOptions options)
    : options_(std::move(options)) {
  for (const auto& l : options_.exempt_logins) exempt_.insert(normalise_login(l));
  for (const auto& e : entries) {
    Owners* owners = nullptr;
    if (e.key.size() > 1 && e.key[0] == '@') {
      std::string_view domain = std::string_view(e.key).substr(1);
      auto d = comparable_domain(domain);
      if (!d) {
        warnings_.push_back("line " + std::to_string(e.line) + ": domain '" + e.key +
                            "' is not a valid domain (IDNs: IDNA2008 U-labels or A-labels)");
        continue;
      }
      owners = &by_domain_[*d];
    } else {
      auto parts = split_address(e.key);
      std::optional<std::string> n;
      if (parts) n = normalise(parts->first, parts->second);
      if (!n) {
        warnings_.push_back("line " + std::to_string(e.line) + ": key '" + e.key +
                            "' is not an address with a valid domain");
        continue;
      }
      owners = &by_address_[*n];
    }
    if (owners->key.empty()) {
      owners->key = e.key;
      owners->line = e.line;
    }
    for (const auto& l : e.logins) owners->logins.insert(normalise_login(l));
  }
}

const OwnershipMap::Owners* OwnershipMap::find(const std::unordered_map<std::string, Owners>& m,
                                               const std::string& k) const {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

OwnershipDecision OwnershipMap::check(std::string_view login_in, std::string_view local_part,
                                      std::string_view domain) const {
  const std::string login = normalise_login(login_in);
  if (exempt_.count(login)) return {true, "exempt login"};
  auto address = normalise(local_part, domain);
  if (!address) return {false, "address has no usable local part or no valid domain (IDNA2008)"};

  auto owned_by_entry = [&](const std::string& addr, std::string& why) {
    if (addr == login) {
      why = "login address";
      return true;
    }
    if (const Owners* o = find(by_address_, addr); o && o->logins.count(login)) {
      why = "map entry " + o->key + (o->line ? " (line " + std::to_string(o->line) + ")" : "");
      return true;
    }
    return false;
  };

  std::string why;
  if (owned_by_entry(*address, why)) return {true, why};
  // "user+tag@domain" is owned by whoever owns "user@domain".
  if (!options_.recipient_delimiter.empty()) {
    size_t cut = local_part.find_first_of(options_.recipient_delimiter);
    if (cut != std::string_view::npos && cut > 0) {
      auto base = normalise(local_part.substr(0, cut), domain);
      if (base && owned_by_entry(*base, why)) return {true, why + " via recipient delimiter"};
    }
  }
  if (const Owners* o = find(by_domain_, comparable_domain(domain).value_or(""));
      o && o->logins.count(login)) {
    return {true, "domain entry " + o->key + (o->line ? " (line " + std::to_string(o->line) + ")" : "")};
  }
  return {false, "login does not own this address"};
}

OwnershipDecision OwnershipMap::check_address(std::string_view login, std::string_view address) const {
  auto parts = split_address(address);
  if (!parts) return {false, "not an address"};
  return check(login, parts->first, parts->second);
}

}  // namespace postern
