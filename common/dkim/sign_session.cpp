// Implements DkimSignSession and DkimEngine::sign: one SignatureMaker per plan, fed as the
// message streams. Contract in dkim.h.
#include "common/dkim/dkim.h"
#include "common/dkim/header_field.h"
#include "common/dkim/key_table.h"
#include "common/dkim/signature_maker.h"

namespace postern {

struct DkimSignSession::Impl {
  std::vector<std::unique_ptr<SignatureMaker>> makers;  // one per plan
  std::string error;
  size_t headers = 0;
  size_t header_bytes = 0;
};

DkimSignSession::DkimSignSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DkimSignSession::~DkimSignSession() = default;

void DkimSignSession::add_header(std::string_view name, std::string_view value) {
  Impl& s = *impl_;
  if (!s.error.empty()) return;
  if (++s.headers > kMaxDkimHeaderFields) {
    s.error = "more than " + std::to_string(kMaxDkimHeaderFields) + " header fields";
    return;
  }
  s.header_bytes += name.size() + value.size();
  if (!valid_field_name(name) || name.size() + value.size() > kMaxDkimHeaderBytes ||
      s.header_bytes > kMaxDkimHeaderTotal) {
    s.error = "malformed or oversized header field";
    return;
  }
  std::string h = header_line(name, value);
  for (auto& m : s.makers) m->add_header(name, std::string_view(h).substr(name.size() + 1));
}

void DkimSignSession::add_body(std::string_view chunk) {
  Impl& s = *impl_;
  if (!s.error.empty() || chunk.empty()) return;
  for (auto& m : s.makers) m->add_body(chunk);
}

Result<std::vector<std::string>> DkimSignSession::finish() {
  Impl& s = *impl_;
  if (!s.error.empty()) return Error::perm(s.error);
  std::vector<std::string> out;
  for (auto& m : s.makers) {
    auto v = m->finish();
    if (!v) return v.error();
    out.push_back(std::move(*v));
  }
  return out;
}

Result<std::unique_ptr<DkimSignSession>> DkimEngine::sign(const std::vector<DkimSignPlan>& plans,
                                                          std::string_view /*id*/) {
  if (plans.empty()) return Error::perm("no signature to make");
  for (const auto& p : plans) {
    if (!p.key || !p.key->pkey) return Error::perm("signature plan without a key");
    if (!valid_dkim_domain(p.domain) || !valid_dkim_selector(p.selector))
      return Error::perm("invalid domain or selector in a signature plan");
    if (!p.identity.empty() && (p.identity.find_first_of("; \t\r\n") != std::string::npos))
      return Error::perm("invalid identity (i=)");
  }
  auto impl = std::make_unique<DkimSignSession::Impl>();
  const int64_t now = clock_.unix_seconds();
  for (const auto& p : plans) impl->makers.push_back(std::make_unique<SignatureMaker>(p, options_, now));
  return std::unique_ptr<DkimSignSession>(new DkimSignSession(std::move(impl)));
}

}  // namespace postern
