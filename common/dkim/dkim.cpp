// Implements DkimEngine and its sessions over libopendkim. Contract in dkim.h.
//
// libopendkim details this file relies on (2.11): key retrieval goes through the key-lookup
// callback only (we never answer DKIM_CBSTAT_DEFAULT, which would make it use the system
// resolver); a failed lookup is answered NOTFOUND so one slow domain never stops the other
// signatures (TRYAGAIN would abort dkim_eoh), and the real reason is kept here per key name. The
// prescreen callback ignores signatures over the limit and refused algorithms before any DNS query,
// and sends every remaining key query at once. Expiry (x=) and future timestamps (t=) are checked
// here with the injected clock (libopendkim would use time(2)), so its clock drift is set to
// kLibDriftSeconds, which disables its own checks. Each verifying session holds one library
// handle from a pool (created on demand, one per concurrent session). Signatures are made by
// SignatureMaker, not libopendkim (see signature_maker.h for why); libopendkim verifies.
#include "common/dkim/dkim.h"

// libopendkim's header uses C99 _Bool, which C++ spells bool (same size and ABI).
#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "common/core/ascii.h"
#include "common/core/mutex.h"
#include "common/dkim/key_table.h"
#include "common/dkim/signature_maker.h"

namespace postern {

namespace {

// libopendkim's own expiry / future checks use time(2) and this drift: about 31 years, so they only
// fire for timestamps no real signature has (x= before 1995, t= before 2001 or after 2080, where
// its unsigned arithmetic wraps); those are permerror. The real checks use the injected clock.
constexpr uint64_t kLibDriftSeconds = 1000000000ull;
constexpr size_t kBPrefix = 16;

// Header field names: printable ASCII without ':' (RFC 5322 ftext).
bool valid_field_name(std::string_view n) {
  if (n.empty() || n.size() > 256) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && u != ':';
  });
}

// "name:value" with every bare LF in value made CRLF (libmilter hands folded values with LF).
std::string header_line(std::string_view name, std::string_view value) {
  std::string h;
  h.reserve(name.size() + value.size() + 8);
  h.append(name);
  h.push_back(':');
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\n' && (i == 0 || value[i - 1] != '\r')) h.push_back('\r');
    h.push_back(c);
  }
  return h;
}

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

// ---- the pool of library handles ----

struct DkimEngine::Pool {
  Mutex mu;
  std::vector<DKIM_LIB*> free_libs GUARDED_BY(mu);
  std::vector<DKIM_LIB*> all GUARDED_BY(mu);  // closed by the destructor
  const DkimOptions* opts = nullptr;
  bool ed25519 = false;

  ~Pool() {
    for (DKIM_LIB* l : all) dkim_close(l);
  }

  DKIM_LIB* make();
  DKIM_LIB* acquire() {
    DKIM_LIB* lib = nullptr;
    {
      MutexLock g(mu);
      if (!free_libs.empty()) {
        lib = free_libs.back();
        free_libs.pop_back();
      }
    }
    if (!lib) {
      lib = make();
      if (!lib) return nullptr;
      MutexLock g(mu);
      all.push_back(lib);
    }
    return lib;
  }
  void release(DKIM_LIB* lib) {
    MutexLock g(mu);
    free_libs.push_back(lib);
  }
};

namespace {

// Holds one pooled library handle for the life of a session.
class Lease {
 public:
  Lease(DkimEngine::Pool* pool, DKIM_LIB* lib) : pool_(pool), lib_(lib) {}
  ~Lease() {
    if (lib_) pool_->release(lib_);
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  DKIM_LIB* get() const { return lib_; }

 private:
  DkimEngine::Pool* pool_;
  DKIM_LIB* lib_;
};

DKIM_CBSTAT prescreen_cb(DKIM* dkim, DKIM_SIGINFO** sigs, int nsigs);
DKIM_CBSTAT key_lookup_cb(DKIM* dkim, DKIM_SIGINFO* sig, u_char* buf, size_t buflen);

// A header value holding a CR that does not start a CR LF, or a NUL: RFC 5322 allows neither, and
// libopendkim 2.11 corrupted its heap after such a DKIM-Signature under the fuzzer (dkim_eoh,
// docs/fuzzing.md). Such a field is never handed to libopendkim: a signature in it does not exist
// for the verifier, a signature covering it fails.
bool has_bare_cr_or_nul(std::string_view v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\0') return true;
    if (v[i] == '\r' && (i + 1 >= v.size() || v[i + 1] != '\n')) return true;
  }
  return false;
}

// A DKIM-Signature whose h= list holds something other than field names (RFC 6376 §3.5: field
// names separated by ':', folding white space around them) is not handed to libopendkim either:
// libFuzzer found libopendkim 2.11 freeing memory it never allocated in dkim_eoh after such lists
// (an entry with white space inside it, "from : t  o"). Such a signature cannot verify anyway.
bool has_malformed_h_tag(std::string_view value) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t at = 0;
  while (at <= value.size()) {
    size_t semi = value.find(';', at);
    std::string_view spec =
        value.substr(at, semi == std::string_view::npos ? std::string_view::npos : semi - at);
    size_t eq = spec.find('=');
    if (eq != std::string_view::npos) {
      std::string_view name = spec.substr(0, eq);
      while (!name.empty() && ws(name.front())) name.remove_prefix(1);
      while (!name.empty() && ws(name.back())) name.remove_suffix(1);
      if (name == "h") {
        std::string_view list = spec.substr(eq + 1);
        size_t from = 0;
        while (true) {
          size_t colon = list.find(':', from);
          std::string_view item =
              list.substr(from, colon == std::string_view::npos ? std::string_view::npos : colon - from);
          while (!item.empty() && ws(item.front())) item.remove_prefix(1);
          while (!item.empty() && ws(item.back())) item.remove_suffix(1);
          if (item.empty()) return true;
          for (char c : item) {
            auto u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u >= 0x7f) return true;
          }
          if (colon == std::string_view::npos) break;
          from = colon + 1;
        }
      }
    }
    if (semi == std::string_view::npos) break;
    at = semi + 1;
  }
  return false;
}

// libopendkim's own DNS path, should anything ever reach it: refused, so the system resolver is
// never used (every key comes through key_lookup_cb and the injected Resolver).
int refuse_dns_query(void*, int, unsigned char*, unsigned char*, size_t, void**) { return DKIM_DNS_ERROR; }

}  // namespace

DKIM_LIB* DkimEngine::Pool::make() {
  DKIM_LIB* lib = dkim_init(nullptr, nullptr);
  if (!lib) return nullptr;
  uint32_t flags = DKIM_LIBFLAGS_BADSIGHANDLES;
  u_int minbits = static_cast<u_int>(std::max(opts->min_key_bits, 1));
  uint64_t drift = kLibDriftSeconds;
  bool ok =
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) == DKIM_STAT_OK &&
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits, sizeof minbits) == DKIM_STAT_OK &&
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_CLOCKDRIFT, &drift, sizeof drift) == DKIM_STAT_OK &&
      dkim_set_key_lookup(lib, &key_lookup_cb) == DKIM_STAT_OK &&
      dkim_set_prescreen(lib, &prescreen_cb) == DKIM_STAT_OK;
  if (!ok) {
    dkim_close(lib);
    return nullptr;
  }
  dkim_dns_set_query_start(lib, &refuse_dns_query);
  return lib;
}

DkimEngine::DkimEngine(DkimOptions options, Resolver& resolver, const Clock& clock)
    : options_(std::move(options)), resolver_(resolver), clock_(clock), pool_(std::make_unique<Pool>()) {
  // From is always signed (RFC 6376 5.4); names are checked so libopendkim's regex stays literal.
  auto clean = [](std::vector<std::string>& names) {
    std::vector<std::string> out;
    for (auto& n : names) {
      bool ok = !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_';
      });
      if (ok) out.push_back(n);
    }
    names = std::move(out);
  };
  clean(options_.sign_headers);
  clean(options_.oversign_headers);
  auto has_from = [](const std::vector<std::string>& v) {
    return std::any_of(v.begin(), v.end(), [](const std::string& n) { return ascii_lower(n) == "from"; });
  };
  if (!has_from(options_.sign_headers)) options_.sign_headers.insert(options_.sign_headers.begin(), "From");
  pool_->opts = &options_;
  if (DKIM_LIB* lib = pool_->acquire()) {
    pool_->ed25519 = dkim_libfeature(lib, DKIM_FEATURE_ED25519);
    pool_->release(lib);
  }
}

DkimEngine::~DkimEngine() = default;

bool DkimEngine::supports_ed25519() const { return pool_->ed25519; }

// ---- verifying ----

struct DkimVerifySession::Impl {
  DkimEngine::Pool* pool;
  Lease lease;
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

namespace {

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

// ---- signing ----

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
