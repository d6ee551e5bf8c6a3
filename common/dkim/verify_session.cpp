// Implements DkimVerifySession and DkimEngine::verify over libopendkim. Contract in dkim.h.
//
// A failed key lookup is answered NOTFOUND so one slow domain never stops the other signatures
// (TRYAGAIN would abort dkim_eoh), and the real reason is kept here per key name. The prescreen
// callback ignores signatures over the limit and refused algorithms before any DNS query, and sends
// every remaining key query at once. Signatures are made by SignatureMaker, not libopendkim (see
// signature_maker.h for why); libopendkim verifies.
#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "common/core/ascii.h"
#include "common/dkim/header_field.h"
#include "common/dkim/key_table.h"
#include "common/dkim/library.h"

namespace postern {
namespace {

constexpr size_t kBPrefix = 16;

std::string str(const unsigned char* p) {
  return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
}

std::string tag(DKIM_SIGINFO* sig, const char* name) {
  return str(dkim_sig_gettagvalue(sig, false, reinterpret_cast<u_char*>(const_cast<char*>(name))));
}

std::optional<uint64_t> to_u64(const std::string& s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string key_name(std::string_view selector, std::string_view domain) {
  return ascii_lower(selector) + "._domainkey." + ascii_lower(domain);
}

struct KeyAnswer {
  enum Kind { found, missing, temporary, bad } kind = missing;
  std::string record;
  std::string detail;
};

KeyAnswer classify(const DnsResult& r) {
  KeyAnswer a;
  switch (r.status) {
    case DnsStatus::answer:
      if (r.records.size() == 1) {
        a.kind = KeyAnswer::found;
        a.record = r.records[0].text;
      } else {
        a.kind = KeyAnswer::bad;
        a.detail = "multiple key records";
      }
      break;
    case DnsStatus::nxdomain:
    case DnsStatus::nodata:
      a.kind = KeyAnswer::missing;
      a.detail = "no key";
      break;
    case DnsStatus::bad_name:  // s=._domainkey.d= cannot be a DNS name: no key can be there
      a.kind = KeyAnswer::missing;
      a.detail = "no key (not a DNS name)";
      break;
    default:
      a.kind = KeyAnswer::temporary;
      a.detail = std::string("key lookup ") + to_string(r.status) + (r.detail.empty() ? "" : ": " + r.detail);
  }
  return a;
}

int rank(DkimResult r) {
  switch (r) {
    case DkimResult::pass:
      return 6;
    case DkimResult::temperror:
      return 5;
    case DkimResult::fail:
      return 4;
    case DkimResult::policy:
      return 3;
    case DkimResult::permerror:
      return 2;
    case DkimResult::neutral:
      return 1;
    case DkimResult::none:
    case DkimResult::softfail:  // not a DKIM result
      return 0;
  }
  return 0;
}

}  // namespace

struct DkimVerifySession::Impl {
  DkimEngine::Pool* pool;
  DkimLease lease;
  const DkimOptions& opts;
  Resolver& resolver;
  int64_t now;
  std::optional<Deadline> message_deadline;
  DKIM* dkim = nullptr;
  enum class Skip { none, over_limit, sha1 };
  std::map<DKIM_SIGINFO*, Skip> skipped;
  std::map<std::string, KeyAnswer> keys;
  size_t headers = 0;
  size_t header_bytes = 0;
  bool eoh_done = false;
  bool hashing = false;  // signatures to evaluate, body goes to libopendkim
  bool need_lengths = false;
  std::string error;  // a session-wide problem, reported on every signature
  CanonicalBodyLength simple_len{DkimCanon::simple};
  CanonicalBodyLength relaxed_len{DkimCanon::relaxed};

  Impl(DkimEngine::Pool* p, DKIM_LIB* lib, const DkimOptions& o, Resolver& r, int64_t t)
      : pool(p), lease(p, lib), opts(o), resolver(r), now(t) {}
  ~Impl() {
    if (dkim) dkim_free(dkim);
  }

  // The deadline of this message's key lookups: key_lookup_timeout from now, cut to the message's.
  Deadline key_deadline() const {
    Deadline d = Deadline::after(opts.key_lookup_timeout);
    return message_deadline ? d.earlier(*message_deadline) : d;
  }

  void eoh() {
    if (eoh_done) return;
    eoh_done = true;
    DKIM_STAT st = dkim_eoh(dkim);
    if (st == DKIM_STAT_OK) {
      hashing = true;
    } else if (st != DKIM_STAT_NOSIG) {
      error = std::string("header processing failed: ") + dkim_getresultstr(st);
    }
  }

  void prescreen(DKIM_SIGINFO** sigs, int nsigs) {
    std::vector<DnsQuery> queries;
    for (int i = 0; i < nsigs; ++i) {
      DKIM_SIGINFO* sig = sigs[i];
      if (static_cast<size_t>(i) >= opts.max_signatures) {
        skipped[sig] = Skip::over_limit;
        dkim_sig_ignore(sig);
        continue;
      }
      // The a= tag itself: libopendkim fills in the algorithm only when it processes the signature.
      if (!opts.allow_rsa_sha1 && ascii_lower(tag(sig, "a")) == "rsa-sha1") {
        skipped[sig] = Skip::sha1;
        dkim_sig_ignore(sig);
        continue;
      }
      if (!tag(sig, "l").empty()) need_lengths = true;
      std::string d = str(dkim_sig_getdomain(sig)), s = str(dkim_sig_getselector(sig));
      if (!valid_dkim_domain(d) || !valid_dkim_selector(s)) continue;  // libopendkim reports the syntax error
      std::string name = key_name(s, d);
      if (keys.emplace(name, KeyAnswer{}).second) queries.push_back({name, RrType::TXT});
    }
    if (queries.empty()) return;
    auto answers = resolver.query_all(queries, key_deadline());
    for (size_t i = 0; i < queries.size(); ++i) {
      keys[queries[i].name] =
          i < answers.size() ? classify(answers[i]) : KeyAnswer{KeyAnswer::temporary, "", "no answer"};
    }
  }

  DKIM_CBSTAT lookup(DKIM_SIGINFO* sig, u_char* buf, size_t buflen) {
    std::string name = key_name(str(dkim_sig_getselector(sig)), str(dkim_sig_getdomain(sig)));
    auto it = keys.find(name);
    if (it == keys.end()) {
      // Not seen by prescreen (should not happen): ask now, alone.
      KeyAnswer a = classify(resolver.query(name, RrType::TXT, key_deadline()));
      it = keys.emplace(name, std::move(a)).first;
    }
    KeyAnswer& a = it->second;
    if (a.kind != KeyAnswer::found) return DKIM_CBSTAT_NOTFOUND;
    if (a.record.size() + 1 > buflen) {
      a.kind = KeyAnswer::bad;
      a.detail = "key record too long";
      return DKIM_CBSTAT_NOTFOUND;
    }
    std::copy(a.record.begin(), a.record.end(), buf);
    buf[a.record.size()] = '\0';
    return DKIM_CBSTAT_CONTINUE;
  }

  DkimSignatureResult evaluate(DKIM_SIGINFO* sig);
};

DKIM_CBSTAT prescreen_cb(DKIM* dkim, DKIM_SIGINFO** sigs, int nsigs) {
  auto* impl = static_cast<DkimVerifySession::Impl*>(dkim_get_user_context(dkim));
  if (impl) impl->prescreen(sigs, nsigs);
  return DKIM_CBSTAT_CONTINUE;
}

DKIM_CBSTAT key_lookup_cb(DKIM* dkim, DKIM_SIGINFO* sig, u_char* buf, size_t buflen) {
  auto* impl = static_cast<DkimVerifySession::Impl*>(dkim_get_user_context(dkim));
  if (!impl || !buf || buflen == 0) return DKIM_CBSTAT_NOTFOUND;
  return impl->lookup(sig, buf, buflen);
}

namespace {

std::string sig_error_reason(int err) {
  switch (err) {
    case DKIM_SIGERROR_BADSIG:
      return "signature did not verify";
    case DKIM_SIGERROR_KEYREVOKED:
      return "key revoked";
    case DKIM_SIGERROR_KEYTOOSMALL:
      return "key too small";
    case DKIM_SIGERROR_SUBDOMAIN:
      return "i= is not within d=";
    case DKIM_SIGERROR_TOOLARGE_L:
      return "l= larger than the body";
    default: {
      const char* s = dkim_sig_geterrorstr(err);
      return s ? s : "signature error " + std::to_string(err);
    }
  }
}

}  // namespace

DkimSignatureResult DkimVerifySession::Impl::evaluate(DKIM_SIGINFO* sig) {
  DkimSignatureResult r;
  r.domain = str(dkim_sig_getdomain(sig));
  r.selector = str(dkim_sig_getselector(sig));
  r.algorithm = tag(sig, "a");
  r.identity = tag(sig, "i");
  std::string b = tag(sig, "b");
  b.erase(std::remove_if(b.begin(), b.end(),
                         [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }),
          b.end());
  r.b = b.substr(0, kBPrefix);
  unsigned int bits = 0;
  if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK) r.key_bits = static_cast<int>(bits);
  auto set = [&](DkimResult res, std::string reason) {
    r.result = res;
    r.reason = std::move(reason);
    return r;
  };
  if (auto it = skipped.find(sig); it != skipped.end()) {
    if (it->second == Skip::sha1) return set(DkimResult::policy, "rsa-sha1 is not accepted (RFC 8301)");
    return set(DkimResult::neutral,
               "not evaluated: more than " + std::to_string(opts.max_signatures) + " signatures");
  }
  if (!error.empty()) return set(DkimResult::temperror, error);
  int err = dkim_sig_geterror(sig);
  unsigned int flags = dkim_sig_getflags(sig);
  // libopendkim reports no size for ed25519 keys; every ed25519 key has 256 bits.
  if (r.key_bits == 0 && ascii_lower(r.algorithm) == "ed25519-sha256" &&
      (err == DKIM_SIGERROR_OK || err == DKIM_SIGERROR_BADSIG))
    r.key_bits = 256;
  switch (err) {
    case DKIM_SIGERROR_OK:
      break;
    case DKIM_SIGERROR_UNKNOWN:
      return set(DkimResult::neutral, "not evaluated");
    case DKIM_SIGERROR_NOKEY:
    case DKIM_SIGERROR_KEYFAIL: {
      auto it = keys.find(key_name(r.selector, r.domain));
      if (it == keys.end()) return set(DkimResult::permerror, "no key");
      if (it->second.kind == KeyAnswer::temporary) return set(DkimResult::temperror, it->second.detail);
      return set(DkimResult::permerror, it->second.detail.empty() ? "no key" : it->second.detail);
    }
    case DKIM_SIGERROR_BADSIG:
      if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) return set(DkimResult::fail, "body hash mismatch");
      return set(DkimResult::fail, sig_error_reason(err));
    case DKIM_SIGERROR_KEYTOOSMALL:
      return set(DkimResult::policy, "key of " + std::to_string(r.key_bits) + " bits is smaller than " +
                                         std::to_string(opts.min_key_bits));
    case DKIM_SIGERROR_DNSSYNTAX:
    case DKIM_SIGERROR_MULTIREPLY:
    case DKIM_SIGERROR_KEYVERSION:
    case DKIM_SIGERROR_KEYUNKNOWNHASH:
    case DKIM_SIGERROR_KEYHASHMISMATCH:
    case DKIM_SIGERROR_NOTEMAILKEY:
    case DKIM_SIGERROR_KEYTYPEMISSING:
    case DKIM_SIGERROR_KEYTYPEUNKNOWN:
    case DKIM_SIGERROR_KEYREVOKED:
    case DKIM_SIGERROR_KEYDECODE:
    case DKIM_SIGERROR_SUBDOMAIN:
    case DKIM_SIGERROR_TOOLARGE_L:
      return set(DkimResult::permerror, sig_error_reason(err));
    case DKIM_SIGERROR_EXPIRED:
    case DKIM_SIGERROR_FUTURE:
      return set(DkimResult::permerror, "signature timestamp out of range");
    default:
      // Signature syntax: RFC 8601 2.7.1 reports these as neutral.
      return set(DkimResult::neutral, "signature syntax: " + sig_error_reason(err));
  }
  // Timestamps, with our clock.
  const int64_t drift = opts.clock_drift.count();
  if (auto x = to_u64(tag(sig, "x"));
      x && static_cast<int64_t>(std::min<uint64_t>(*x, INT64_MAX / 2)) + drift < now)
    return set(DkimResult::permerror, "signature expired (x=" + std::to_string(*x) + ")");
  if (auto t = to_u64(tag(sig, "t")); t && *t > static_cast<uint64_t>(now + drift))
    return set(DkimResult::permerror, "signature timestamp t= is in the future");
  if (r.key_bits > 0 && r.algorithm.rfind("rsa-", 0) == 0 && r.key_bits < opts.min_key_bits)
    return set(DkimResult::policy, "key of " + std::to_string(r.key_bits) + " bits is smaller than " +
                                       std::to_string(opts.min_key_bits));
  if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) return set(DkimResult::fail, "body hash mismatch");
  if (!(flags & DKIM_SIGFLAG_PASSED) || dkim_sig_getbh(sig) != DKIM_SIGBH_MATCH)
    return set(DkimResult::fail, "signature did not verify");
  ssize_t msglen = 0, canonlen = 0, signlen = -1;
  if (dkim_sig_getcanonlen(dkim, sig, &msglen, &canonlen, &signlen) == DKIM_STAT_OK && signlen >= 0) {
    dkim_canon_t hc = DKIM_CANON_UNKNOWN, bc = DKIM_CANON_UNKNOWN;
    (void)dkim_sig_getcanons(sig, &hc, &bc);
    uint64_t total = bc == DKIM_CANON_RELAXED ? relaxed_len.length() : simple_len.length();
    if (static_cast<uint64_t>(signlen) < total) {
      std::string what = "l=" + std::to_string(signlen) + " signs " + std::to_string(signlen) + " of " +
                         std::to_string(total) + " body bytes";
      if (opts.body_length == BodyLengthPolicy::policy) return set(DkimResult::policy, what);
      return set(DkimResult::pass, "signature verified (" + what + ")");
    }
  }
  return set(DkimResult::pass, "signature verified");
}

DkimVerifySession::DkimVerifySession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DkimVerifySession::~DkimVerifySession() = default;

void DkimVerifySession::add_header(std::string_view name, std::string_view value) {
  Impl& s = *impl_;
  if (s.eoh_done) return;
  s.header_bytes += name.size() + value.size();
  if (++s.headers > kMaxDkimHeaderFields || s.header_bytes > kMaxDkimHeaderTotal || !valid_field_name(name) ||
      name.size() + value.size() > kMaxDkimHeaderBytes || has_bare_cr_or_nul(value) ||
      (ascii_lower(name) == "dkim-signature" && has_malformed_h_tag(value)))
    return;  // left out of the hash: signatures over it fail, as they should
  std::string h = header_line(name, value);
  (void)dkim_header(s.dkim, reinterpret_cast<u_char*>(h.data()), h.size());
}

void DkimVerifySession::add_body(std::string_view chunk) {
  Impl& s = *impl_;
  s.eoh();
  if (!s.hashing || chunk.empty()) return;
  if (s.need_lengths) {
    s.simple_len.add(chunk);
    s.relaxed_len.add(chunk);
  }
  // libopendkim only reads the buffer.
  (void)dkim_body(s.dkim, reinterpret_cast<u_char*>(const_cast<char*>(chunk.data())), chunk.size());
}

DkimVerification DkimVerifySession::finish() {
  Impl& s = *impl_;
  s.eoh();
  DkimVerification out;
  if (s.hashing) {
    bool testkey = false;
    (void)dkim_eom(s.dkim, &testkey);
  }
  DKIM_SIGINFO** sigs = nullptr;
  int nsigs = 0;
  if (dkim_getsiglist(s.dkim, &sigs, &nsigs) != DKIM_STAT_OK) nsigs = 0;
  for (int i = 0; i < nsigs; ++i) {
    out.signatures.push_back(s.evaluate(sigs[i]));
    if (rank(out.signatures.back().result) > rank(out.overall)) out.overall = out.signatures.back().result;
  }
  return out;
}

Result<std::unique_ptr<DkimVerifySession>> DkimEngine::verify(std::string_view id,
                                                              std::optional<Deadline> message_deadline) {
  int64_t now = clock_.unix_seconds();
  DKIM_LIB* lib = pool_->acquire();
  if (!lib) return Error::temp("libopendkim initialisation failed");
  auto impl = std::make_unique<DkimVerifySession::Impl>(pool_.get(), lib, options_, resolver_, now);
  impl->message_deadline = message_deadline;
  std::string sid(id.empty() ? "-" : id);
  DKIM_STAT st = DKIM_STAT_OK;
  impl->dkim = dkim_verify(lib, reinterpret_cast<const u_char*>(sid.c_str()), nullptr, &st);
  if (!impl->dkim) return Error::temp(std::string("dkim_verify: ") + dkim_getresultstr(st));
  dkim_set_user_context(impl->dkim, impl.get());
  return std::unique_ptr<DkimVerifySession>(new DkimVerifySession(std::move(impl)));
}

}  // namespace postern
