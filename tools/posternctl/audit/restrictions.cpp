// Implements the restriction list judgements. Contract in restrictions.h.
#include "tools/posternctl/audit/restrictions.h"

namespace postern::audit {
namespace {

bool takes_argument(std::string_view w) {
  return w.rfind("check_", 0) == 0 || w.rfind("reject_rbl_client", 0) == 0 ||
         w.rfind("reject_rhsbl_", 0) == 0 || w.rfind("permit_dnswl_client", 0) == 0 ||
         w.rfind("permit_rhswl_client", 0) == 0 || w.rfind("reject_dnsbl_client", 0) == 0;
}

std::string first_word(const std::string& w) { return w.substr(0, w.find(' ')); }

bool terminal(const std::string& w) {
  return w == "reject_unauth_destination" || w == "defer_unauth_destination" || w == "reject" || w == "defer";
}

}  // namespace

std::vector<std::string> restriction_words(std::string_view list) {
  std::vector<std::string> raw;
  size_t i = 0;
  while (i < list.size() && raw.size() < kMaxRestrictionWords) {
    while (i < list.size() && (list[i] == ' ' || list[i] == '\t' || list[i] == ',' || list[i] == '\n')) ++i;
    size_t st = i;
    while (i < list.size() && !(list[i] == ' ' || list[i] == '\t' || list[i] == ',' || list[i] == '\n')) ++i;
    if (i > st) raw.emplace_back(list.substr(st, i - st));
  }
  std::vector<std::string> out;
  for (size_t k = 0; k < raw.size(); ++k) {
    if (takes_argument(raw[k]) && k + 1 < raw.size()) {
      out.push_back(raw[k] + " " + raw[k + 1]);
      ++k;
    } else {
      out.push_back(raw[k]);
    }
  }
  return out;
}

RelayJudgement judge_relay(std::string_view list) {
  RelayJudgement j;
  std::string maybe;
  for (const auto& w : restriction_words(list)) {
    std::string f = first_word(w);
    if (terminal(f)) {
      j.verdict = maybe.empty() ? RelayVerdict::safe : RelayVerdict::map_may_permit;
      j.culprit = maybe;
      return j;
    }
    if (f == "permit_mynetworks" || f == "permit_sasl_authenticated" || f == "permit_tls_clientcerts" ||
        f == "permit_auth_destination" || f == "check_policy_service" || f.rfind("reject_", 0) == 0 ||
        f.rfind("defer_", 0) == 0 || f == "warn_if_reject" || f == "sleep")
      continue;
    if (f.rfind("check_", 0) == 0) {
      if (maybe.empty()) maybe = w;
      continue;
    }
    if (f == "permit" || f.rfind("permit_", 0) == 0) {
      j.verdict = RelayVerdict::open;
      j.culprit = w;
      return j;
    }
  }
  j.verdict = RelayVerdict::open;
  j.culprit = "";
  return j;
}

bool refuses_unauthenticated(std::string_view list) {
  auto words = restriction_words(list);
  bool sasl = false;
  for (size_t k = 0; k < words.size(); ++k) {
    std::string f = first_word(words[k]);
    if (f == "permit_sasl_authenticated") {
      sasl = true;
      continue;
    }
    if (!sasl) {
      if (f == "permit_mynetworks" || f.rfind("reject_", 0) == 0 || f == "check_policy_service") continue;
      return false;
    }
    if (f == "reject" || f == "defer") return true;
    if (f.rfind("reject_", 0) == 0 || f.rfind("defer_", 0) == 0 || f == "check_policy_service") continue;
    return false;
  }
  return false;
}

int find_word(const std::vector<std::string>& words, std::string_view prefix) {
  for (size_t k = 0; k < words.size(); ++k)
    if (words[k].rfind(prefix, 0) == 0) return static_cast<int>(k);
  return -1;
}

}  // namespace postern::audit
