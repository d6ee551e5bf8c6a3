// Implements SignatureMaker. Contract in signature_maker.h.
#include "common/dkim/signature_maker.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <set>

#include "common/core/ascii.h"

namespace postern {
namespace {

constexpr size_t kFoldColumn = 76;

std::string b64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

// Builds a header value folded at kFoldColumn with CRLF TAB.
class Folder {
 public:
  explicit Folder(size_t start) : col_(start) {}
  // A piece that may follow a space (tag=value;) or, with glue, nothing (parts of h=).
  void add(std::string_view piece, bool glue = false) {
    if (!out_.empty() && col_ + (glue ? 0 : 1) + piece.size() > kFoldColumn) {
      out_ += "\r\n\t";
      col_ = 8;
    } else if (!out_.empty() && !glue) {
      out_ += ' ';
      ++col_;
    }
    out_ += piece;
    col_ += piece.size();
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
  size_t col_;
};

}  // namespace

struct SignatureMaker::Hash {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  ~Hash() { EVP_MD_CTX_free(ctx); }
  void update(std::string_view s) {
    if (ok && !s.empty()) ok = EVP_DigestUpdate(ctx, s.data(), s.size()) == 1;
  }
  bool final(unsigned char out[32]) {
    unsigned int len = 0;
    return ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
  }
};

SignatureMaker::SignatureMaker(const DkimSignPlan& plan, const DkimOptions& options, int64_t now)
    : plan_(plan),
      options_(options),
      now_(now),
      body_hash_(std::make_unique<Hash>()),
      body_(options.body_canon, [h = body_hash_.get()](std::string_view s) { h->update(s); }) {}

SignatureMaker::~SignatureMaker() = default;

void SignatureMaker::add_header(std::string_view name, std::string_view value) {
  headers_.emplace_back(name, value);
}

void SignatureMaker::add_body(std::string_view chunk) { body_.add(chunk); }

Result<std::string> SignatureMaker::finish() {
  if (finished_) return Error::perm("signature already made");
  finished_ = true;
  EVP_PKEY* pkey = plan_.key->pkey.get();
  if (!pkey) return Error::perm("signing key not loaded");
  const bool rsa = plan_.key->type == DkimKeyType::rsa;
  body_.finish();
  unsigned char bh[32];
  if (!body_hash_->final(bh)) return Error::temp("sha256 failed");

  // h=: the sign_headers present, in message order, then each oversign name once more.
  std::set<std::string> sign;
  for (const auto& n : options_.sign_headers) sign.insert(ascii_lower(n));
  std::vector<std::string> h;
  for (const auto& [name, value] : headers_) {
    if (sign.count(ascii_lower(name))) h.push_back(name);
  }
  for (const auto& n : options_.oversign_headers) h.push_back(n);

  const bool relaxed_h = options_.header_canon == DkimCanon::relaxed;
  const bool relaxed_b = options_.body_canon == DkimCanon::relaxed;
  Folder f(std::string_view("DKIM-Signature: ").size());
  f.add("v=1;");
  f.add(std::string("a=") + signing_algorithm(plan_.key->type) + ";");
  f.add(std::string("c=") + (relaxed_h ? "relaxed" : "simple") + "/" + (relaxed_b ? "relaxed" : "simple") +
        ";");
  f.add("d=" + plan_.domain + ";");
  f.add("s=" + plan_.selector + ";");
  if (!plan_.identity.empty()) f.add("i=" + plan_.identity + ";");
  f.add("t=" + std::to_string(now_) + ";");
  if (options_.expire.count() > 0) f.add("x=" + std::to_string(now_ + options_.expire.count()) + ";");
  f.add("bh=" + b64(bh, sizeof bh) + ";");
  for (size_t i = 0; i < h.size(); ++i) {
    std::string piece = (i == 0 ? "h=" : "") + h[i] + (i + 1 == h.size() ? ";" : ":");
    f.add(piece, i > 0);
  }
  const std::string unsigned_value = f.str() + "\r\n\tb=";

  // Header hash: the h= fields, each name taking the last not yet used instance (RFC 6376 5.4.2),
  // then this header with an empty b= and no final CRLF.
  Hash hh;
  std::vector<bool> used(headers_.size(), false);
  for (const auto& name : h) {
    for (size_t i = headers_.size(); i-- > 0;) {
      if (!used[i] && ascii_lower(headers_[i].first) == ascii_lower(name)) {
        used[i] = true;
        hh.update(canonical_header(options_.header_canon, headers_[i].first, headers_[i].second));
        break;
      }
    }
  }
  std::string self = canonical_header(options_.header_canon, "DKIM-Signature", " " + unsigned_value);
  self.resize(self.size() - 2);
  hh.update(self);
  unsigned char digest[32];
  if (!hh.final(digest)) return Error::temp("sha256 failed");

  // rsa-sha256: RSASSA-PKCS1-v1_5 over the SHA-256 digest (RFC 6376 3.3.1); ed25519-sha256:
  // PureEd25519 over the SHA-256 digest (RFC 8463 3). The key is shared and only read.
  unsigned char sig[1024];
  size_t siglen = sizeof sig;
  bool ok = false;
  if (rsa) {
    EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey, nullptr);
    ok = pctx && EVP_PKEY_sign_init(pctx) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) == 1 &&
         EVP_PKEY_sign(pctx, sig, &siglen, digest, sizeof digest) == 1;
    EVP_PKEY_CTX_free(pctx);
  } else {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
         EVP_DigestSign(ctx, sig, &siglen, digest, sizeof digest) == 1 && siglen == 64;
    EVP_MD_CTX_free(ctx);
  }
  if (!ok) return Error::temp(std::string(signing_algorithm(plan_.key->type)) + " signing failed");
  // White space inside b= is ignored by verifiers, so the value folds freely.
  std::string b = b64(sig, siglen);
  std::string out = unsigned_value;
  for (size_t i = 0; i < b.size(); i += 64) {
    if (i > 0) out += "\r\n\t ";
    out += b.substr(i, 64);
  }
  return out;
}

}  // namespace postern
