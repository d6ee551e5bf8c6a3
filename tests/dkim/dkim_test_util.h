// Helpers for the DKIM tests: an in-memory Resolver, feeding a raw message to a session in chunks,
// key generation, and running the python3-dkim / Mail::DKIM helper scripts. Test-only code.
#pragma once

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "common/core/ascii.h"
#include "common/dkim/dkim.h"
#include "common/dkim/message_reader.h"
#include "common/dkim/private_key.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
inline void PrintTo(DkimResult r, std::ostream* os) { *os << to_string(r); }
}  // namespace postern

namespace postern::test {

// TXT records by name; names not added are NXDOMAIN; a status may be forced per name.
class MapResolver final : public Resolver {
 public:
  void add_txt(const std::string& name, const std::string& text) {
    std::lock_guard<std::mutex> g(mu_);
    txt_[ascii_lower(name)].push_back(text);
  }
  void set_status(const std::string& name, DnsStatus s) {
    std::lock_guard<std::mutex> g(mu_);
    status_[ascii_lower(name)] = s;
  }
  int queries() const { return queries_.load(); }

  DnsResult query(std::string_view name, RrType type, Deadline) override {
    ++queries_;
    std::lock_guard<std::mutex> g(mu_);
    DnsResult r;
    std::string n = ascii_lower(name);
    if (auto it = status_.find(n); it != status_.end()) {
      r.status = it->second;
      r.detail = "forced by the test";
      return r;
    }
    auto it = txt_.find(n);
    if (it == txt_.end() || type != RrType::TXT) {
      r.status = DnsStatus::nxdomain;
      return r;
    }
    r.status = DnsStatus::answer;
    for (const auto& t : it->second) r.records.push_back({t, 0, 300});
    return r;
  }
  std::vector<DnsResult> query_all(std::span<const DnsQuery> qs, Deadline d) override {
    std::vector<DnsResult> out;
    for (const auto& q : qs) out.push_back(query(q.name, q.type, d));
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> txt_;
  std::map<std::string, DnsStatus> status_;
  std::atomic<int> queries_{0};
};

template <class Session>
class SessionSink final : public MessageSink {
 public:
  explicit SessionSink(Session& s) : s_(s) {}
  void header(std::string_view name, std::string_view value) override { s_.add_header(name, value); }
  void end_of_headers() override {}
  void body(std::string_view chunk) override { s_.add_body(chunk); }

 private:
  Session& s_;
};

// Feeds msg to the session in chunks of `chunk` bytes (0: all at once).
template <class Session>
void feed(Session& s, std::string_view msg, size_t chunk = 0) {
  SessionSink<Session> sink(s);
  MessageSplitter split(sink);
  if (chunk == 0) chunk = msg.size() + 1;
  for (size_t i = 0; i < msg.size(); i += chunk) {
    auto r = split.feed(msg.substr(i, chunk));
    if (!r) throw std::runtime_error(r.error().message);
  }
  auto r = split.finish();
  if (!r) throw std::runtime_error(r.error().message);
}

inline DkimPrivateKey make_key(DkimKeyType type, int bits = 2048) {
  auto pem = generate_dkim_private_key_pem(type, bits);
  if (!pem) throw std::runtime_error(pem.error().message);
  auto k = parse_dkim_private_key(*pem);
  if (!k) throw std::runtime_error(k.error().message);
  return *k;
}

// The RFC 8463 form of an ed25519 key (base64 seed), which python3-dkim reads.
inline std::string ed25519_seed_b64(const DkimPrivateKey& k) {
  BIO* bio = BIO_new_mem_buf(k.pem.data(), static_cast<int>(k.pem.size()));
  EVP_PKEY* p = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char seed[32];
  size_t len = sizeof seed;
  EVP_PKEY_get_raw_private_key(p, seed, &len);
  EVP_PKEY_free(p);
  unsigned char out[64] = {};
  EVP_EncodeBlock(out, seed, 32);
  OPENSSL_cleanse(seed, sizeof seed);
  return reinterpret_cast<char*>(out);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs argv, returns its stdout (stderr appended after a marker on failure); exit status in *status.
inline std::string run(const TempDir& dir, const std::vector<std::string>& argv, int* status) {
  static std::atomic<int> n{0};
  std::string prefix = (dir / ("run" + std::to_string(++n))).string();
  Process p(argv, prefix);
  auto st = p.wait(std::chrono::seconds(20));
  *status = st ? *st : -1;
  std::string out = read_text(prefix + ".out");
  if (*status != 0) out += "\n--- stderr ---\n" + read_text(prefix + ".err");
  return out;
}

// A DKIM-Signature header value -> "DKIM-Signature: value\r\n".
inline std::string sig_header(const std::string& value) { return "DKIM-Signature: " + value + "\r\n"; }

inline DkimVerification verify_message(DkimEngine& e, const std::string& msg, size_t chunk = 0) {
  auto s = e.verify("test");
  if (!s) throw std::runtime_error(s.error().message);
  feed(**s, msg, chunk);
  return (*s)->finish();
}

inline std::string sign_message(DkimEngine& e, const std::vector<DkimSignPlan>& plans, const std::string& msg,
                                size_t chunk = 0) {
  auto s = e.sign(plans, "test");
  if (!s) throw std::runtime_error(s.error().message);
  feed(**s, msg, chunk);
  auto sigs = (*s)->finish();
  if (!sigs) throw std::runtime_error(sigs.error().message);
  std::string out;
  for (const auto& v : *sigs) out += sig_header(v);
  return out;
}

inline const char* kTestMessage =
    "From: Alice Example <alice@example.com>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: Lunch   on\r\n"
    " Friday?\r\n"
    "Date: Mon, 23 Nov 2026 07:00:00 +0000\r\n"
    "Message-ID: <lunch.1@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hi Bob,\r\n"
    "\r\n"
    "shall we  meet at   noon?\t \r\n"
    "  -- Alice\r\n"
    "\r\n"
    "\r\n";

}  // namespace postern::test
