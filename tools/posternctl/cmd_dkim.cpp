// posternctl DKIM commands:
//   dkim keygen --domain D --selector S [--type rsa|ed25519] [--bits N] [--out DIR]
//       writes DIR/D.S.key (mode 0600, never over an existing file) and prints the DNS TXT record
//   dkim sign --domain D --selector S --key FILE [FILE|-]
//       prints the message with its DKIM-Signature added ([dkim] options when -c is given)
//   dkim verify [FILE|-]
//       prints the overall result keyword, then one line per signature; keys from DNS ([dns] or
//       --dns HOST:PORT); exit 0 whatever the verdict
// (dns-records, which prints the DKIM TXT records of the configured keys, is in cmd_dns_records.cpp.)
// Messages are read in chunks and never held whole in memory (sign keeps stdin in a temporary
// file, as the signature goes before the message). Exit 64 on usage errors, 78 on config errors,
// 1 on other failures.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "common/core/ascii.h"
#include "common/dkim/dkim.h"
#include "common/dkim/key_table.h"
#include "common/dkim/message_reader.h"
#include "common/dkim/signing_policy.h"
#include "common/mail/header_value.h"
#include "common/dns/factory.h"
#include "common/log/log.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

constexpr size_t kChunk = 64 * 1024;

// Options "--name value" into a map; the rest are positional. False on a dangling option.
bool parse_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                std::map<std::string, std::string>& opts, std::vector<std::string>& rest) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (with_value.count(args[i])) {
      if (i + 1 >= args.size()) return false;
      opts[args[i]] = args[i + 1];
      ++i;
    } else if (args[i].size() > 1 && args[i][0] == '-') {
      return false;
    } else {
      rest.push_back(args[i]);
    }
  }
  return true;
}

// A resolver for commands that never look anything up.
class NoResolver final : public Resolver {
 public:
  DnsResult query(std::string_view, RrType, Deadline) override {
    DnsResult r;
    r.detail = "no DNS in this command";
    return r;
  }
  std::vector<DnsResult> query_all(std::span<const DnsQuery> qs, Deadline d) override {
    std::vector<DnsResult> out;
    for (const auto& q : qs) out.push_back(query(q.name, q.type, d));
    return out;
  }
};

template <class Session>
class Feed final : public MessageSink {
 public:
  explicit Feed(Session& s) : s_(s) {}
  void header(std::string_view n, std::string_view v) override { s_.add_header(n, v); }
  void end_of_headers() override {}
  void body(std::string_view c) override { s_.add_body(c); }

 private:
  Session& s_;
};

// Streams a message from in through a splitter into sink; copies the raw bytes to copy if given.
Result<void> stream(std::FILE* in, MessageSink& sink, std::FILE* copy) {
  MessageSplitter split(sink);
  std::string buf(kChunk, '\0');
  for (;;) {
    size_t n = std::fread(buf.data(), 1, buf.size(), in);
    if (n == 0) break;
    if (copy && std::fwrite(buf.data(), 1, n, copy) != n) return Error::temp("cannot write a temporary file");
    if (auto r = split.feed(std::string_view(buf.data(), n)); !r) return r;
  }
  if (std::ferror(in)) return Error::temp("read error");
  return split.finish();
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f && f != stdin) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_input(const std::string& path) {
  if (path.empty() || path == "-") return File(stdin);
  return File(std::fopen(path.c_str(), "rb"));
}

// [dkim] and [dns] from -c FILE when given (or when the default file exists), else defaults.

int cmd_keygen(Context& ctx) {
  const char* usage =
      "usage: posternctl dkim keygen --domain D --selector S [--type rsa|ed25519] [--bits N] [--out DIR]\n";
  std::map<std::string, std::string> o;
  std::vector<std::string> rest;
  if (!parse_args(ctx.args, {"--domain", "--selector", "--type", "--bits", "--out"}, o, rest) ||
      !rest.empty() || !valid_dkim_domain(o["--domain"]) || !valid_dkim_selector(o["--selector"])) {
    std::cerr << usage;
    return kExitUsage;
  }
  std::string type = o.count("--type") ? o["--type"] : "rsa";
  if (type != "rsa" && type != "ed25519") {
    std::cerr << usage;
    return kExitUsage;
  }
  int bits = 2048;
  if (o.count("--bits")) {
    try {
      bits = std::stoi(o["--bits"]);
    } catch (...) {
      bits = 0;
    }
    if (type != "rsa" || bits < kMinRsaBits || bits > kMaxRsaBits) {
      std::cerr << "posternctl: --bits is for rsa keys, " << kMinRsaBits << ".." << kMaxRsaBits << "\n";
      return kExitUsage;
    }
  }
  auto kt = type == "rsa" ? DkimKeyType::rsa : DkimKeyType::ed25519;
  auto pem = generate_dkim_private_key_pem(kt, bits);
  if (!pem) {
    std::cerr << "posternctl: " << pem.error().message << "\n";
    return 1;
  }
  auto key = parse_dkim_private_key(*pem);
  if (!key) {
    std::cerr << "posternctl: " << key.error().message << "\n";
    return 1;
  }
  std::string dir = o.count("--out") ? o["--out"] : ".";
  std::string path = dir + "/" + ascii_lower(o["--domain"]) + "." + o["--selector"] + ".key";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    std::cerr << "posternctl: cannot create " << path << ": " << std::strerror(errno)
              << (errno == EEXIST ? " (an existing key is never overwritten)" : "") << "\n";
    return 1;
  }
  ::fchmod(fd, 0600);
  ssize_t w = ::write(fd, pem->data(), pem->size());
  bool ok = w == static_cast<ssize_t>(pem->size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    std::cerr << "posternctl: cannot write " << path << "\n";
    return 1;
  }
  std::cout << "; private key (" << type << (kt == DkimKeyType::rsa ? " " + std::to_string(key->bits) : "")
            << ") written to " << path << ", mode 0600: make it readable by the postern user only\n"
            << "; publish this TXT record in the DNS zone of " << ascii_lower(o["--domain"]) << ":\n"
            << dkim_zone_line(o["--selector"], ascii_lower(o["--domain"]), key->dns_record()) << "\n";
  return 0;
}

int cmd_sign(Context& ctx) {
  const char* usage = "usage: posternctl dkim sign --domain D --selector S --key FILE [FILE|-]\n";
  std::map<std::string, std::string> o;
  std::vector<std::string> rest;
  if (!parse_args(ctx.args, {"--domain", "--selector", "--key"}, o, rest) || rest.size() > 1 ||
      !valid_dkim_domain(o["--domain"]) || !valid_dkim_selector(o["--selector"]) || o["--key"].empty()) {
    std::cerr << usage;
    return kExitUsage;
  }
  Config fallback;
  const Config* c = optional_config(ctx, fallback);
  if (!c) return kExitConfig;
  auto key = load_dkim_private_key(o["--key"]);
  if (!key) {
    std::cerr << "posternctl: " << key.error().message << "\n";
    return 1;
  }
  File in = open_input(rest.empty() ? "-" : rest[0]);
  if (!in) {
    std::cerr << "posternctl: cannot open " << rest[0] << "\n";
    return 1;
  }
  SystemClock clock;
  NoResolver none;
  DkimEngine engine(dkim_options(c->dkim), none, clock);
  auto session = engine.sign({{ascii_lower(o["--domain"]), o["--selector"],
                               std::make_shared<const DkimPrivateKey>(std::move(*key)), ""}},
                             "posternctl");
  if (!session) {
    std::cerr << "posternctl: " << session.error().message << "\n";
    return 1;
  }
  // The signature goes first, so the message is kept in a temporary file (stdin) or read twice.
  File copy(in.get() == stdin ? std::tmpfile() : nullptr);
  if (in.get() == stdin && !copy) {
    std::cerr << "posternctl: cannot create a temporary file\n";
    return 1;
  }
  Feed<DkimSignSession> feed(**session);
  if (auto r = stream(in.get(), feed, copy.get()); !r) {
    std::cerr << "posternctl: " << r.error().message << "\n";
    return 1;
  }
  auto sigs = (*session)->finish();
  if (!sigs) {
    std::cerr << "posternctl: " << sigs.error().message << "\n";
    return 1;
  }
  std::FILE* src = copy ? copy.get() : in.get();
  std::rewind(src);
  // Keep the message's own line ends: CRLF if its first line has one.
  std::string buf(kChunk, '\0');
  size_t n = std::fread(buf.data(), 1, buf.size(), src);
  size_t nl = std::string_view(buf.data(), n).find('\n');
  bool crlf = nl != std::string_view::npos && nl > 0 && buf[nl - 1] == '\r';
  for (const auto& v : *sigs) {
    std::string value = crlf ? v : header_value_lf(v);
    std::cout << "DKIM-Signature: " << value << (crlf ? "\r\n" : "\n");
  }
  while (n > 0) {
    std::cout.write(buf.data(), static_cast<std::streamsize>(n));
    n = std::fread(buf.data(), 1, buf.size(), src);
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

int cmd_verify(Context& ctx) {
  if (ctx.args.size() > 1 || (ctx.args.size() == 1 && ctx.args[0].size() > 1 && ctx.args[0][0] == '-')) {
    std::cerr << "usage: posternctl dkim verify [FILE|-]\n";
    return kExitUsage;
  }
  Config fallback;
  const Config* c = optional_config(ctx, fallback);
  if (!c) return kExitConfig;
  SystemClock clock;
  auto resolver = make_resolver(c->dns, clock);
  if (!resolver) {
    std::cerr << "posternctl: dns: " << resolver.error().message << "\n";
    return kExitConfig;
  }
  File in = open_input(ctx.args.empty() ? "-" : ctx.args[0]);
  if (!in) {
    std::cerr << "posternctl: cannot open " << ctx.args[0] << "\n";
    return 1;
  }
  DkimEngine engine(dkim_options(c->dkim), **resolver, clock);
  auto session = engine.verify("posternctl");
  if (!session) {
    std::cerr << "posternctl: " << session.error().message << "\n";
    return 1;
  }
  Feed<DkimVerifySession> feed(**session);
  if (auto r = stream(in.get(), feed, nullptr); !r) {
    // A message we cannot split is still reported (its signatures cannot pass).
    std::cerr << "posternctl: message: " << r.error().message << "\n";
  }
  auto v = (*session)->finish();
  std::cout << to_string(v.overall) << "\n";
  for (const auto& s : v.signatures) {
    std::cout << to_string(s.result) << " d=" << log_safe(s.domain) << " s=" << log_safe(s.selector)
              << " a=" << log_safe(s.algorithm);
    if (!s.identity.empty()) std::cout << " i=" << log_safe(s.identity);
    if (s.key_bits > 0) std::cout << " bits=" << s.key_bits;
    std::cout << " " << log_safe(s.reason, 512) << "\n";
  }
  if (v.signatures.empty()) std::cout << "no DKIM-Signature header\n";
  return 0;
}

CommandRegistration reg_keygen(
    {"dkim", "keygen", "dkim keygen --domain D --selector S [--type rsa|ed25519] [--bits N] [--out DIR]",
     "make a DKIM signing key and print its DNS record", &cmd_keygen});
CommandRegistration reg_sign({"dkim", "sign", "dkim sign --domain D --selector S --key FILE [FILE|-]",
                              "print the message with a DKIM signature added", &cmd_sign});
CommandRegistration reg_verify({"dkim", "verify", "dkim verify [FILE|-]",
                                "verify a message's DKIM signatures (keys from DNS)", &cmd_verify});

}  // namespace
}  // namespace postern::ctl
