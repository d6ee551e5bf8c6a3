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
// file, as the signature goes before the message). A message is untrusted: a FILE must be a
// regular file (opened without blocking), standard input not a directory, and either at most
// kMaxMessageBytes with no NUL byte and well-formed header lines, else exit 1 with an error naming
// it and no verdict. Key files must be regular files. Exit 64 on usage errors (parsed by
// options.h), 78 on config errors, 1 on other failures.
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
#include "common/dns/factory.h"
#include "common/log/log.h"
#include "common/mail/header_value.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

constexpr size_t kChunk = 64 * 1024;
// The largest message sign and verify read: Postfix's message_size_limit defaults to 10 MB.
constexpr uint64_t kMaxMessageBytes = 64 * 1024 * 1024;

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
// A message over kMaxMessageBytes, with a NUL byte, or that is not "header: value" lines then a
// body is an error (it is not a message, and no verdict about it would mean anything).
Result<void> stream(std::FILE* in, MessageSink& sink, std::FILE* copy) {
  MessageSplitter split(sink);
  std::string buf(kChunk, '\0');
  uint64_t total = 0;
  for (;;) {
    size_t n = std::fread(buf.data(), 1, buf.size(), in);
    if (n == 0) break;
    total += n;
    if (total > kMaxMessageBytes)
      return Error::perm("larger than " + std::to_string(kMaxMessageBytes) + " bytes: not read");
    if (std::memchr(buf.data(), '\0', n) != nullptr) return Error::perm("contains a NUL byte: not a message");
    if (copy && std::fwrite(buf.data(), 1, n, copy) != n) return Error::temp("cannot write a temporary file");
    if (auto r = split.feed(std::string_view(buf.data(), n)); !r)
      return Error::perm("not a message: " + r.error().message);
  }
  if (std::ferror(in)) return Error::temp(std::string("read error: ") + std::strerror(errno));
  if (auto r = split.finish(); !r) return Error::perm("not a message: " + r.error().message);
  return ok();
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f && f != stdin) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// The name of a message input for error messages.
std::string input_name(const std::string& path) {
  return path.empty() || path == "-" ? "standard input" : log_safe(path);
}

// Opens a message: standard input for "" or "-", else a regular file of at most kMaxMessageBytes,
// opened without blocking (a FIFO is refused, not waited on). Standard input may be a pipe or a
// terminal (stream() bounds what it reads) but not a directory.
Result<File> open_input(const std::string& path) {
  int fd = STDIN_FILENO;
  bool is_stdin = path.empty() || path == "-";
  if (!is_stdin) {
    fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return Error::perm(std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (is_stdin ? S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) ||
      (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > kMaxMessageBytes)) {
    std::string why = S_ISDIR(st.st_mode)   ? "is a directory, not a message file"
                      : S_ISREG(st.st_mode) ? "larger than " + std::to_string(kMaxMessageBytes) + " bytes"
                                            : "not a regular file";
    if (!is_stdin) ::close(fd);
    return Error::perm(why);
  }
  if (is_stdin) return File(stdin);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  File f(::fdopen(fd, "rb"));
  if (!f) {
    ::close(fd);
    return Error::temp(std::strerror(errno));
  }
  return f;
}

// A key file named on the command line must be a regular file (a FIFO would block the read).
Result<void> check_key_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error::perm(log_safe(path) + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Error::perm(log_safe(path) + ": not a regular file");
  return ok();
}

int cmd_keygen(Context& ctx) {
  std::string domain = ctx.opts.value("--domain"), selector = ctx.opts.value("--selector");
  if (!valid_dkim_domain(domain)) return ctx.usage_error("--domain: a domain name is required");
  if (!valid_dkim_selector(selector)) return ctx.usage_error("--selector: a selector is required");
  std::string type = ctx.opts.value("--type", "rsa");
  if (ctx.opts.has("--bits") && type != "rsa") return ctx.usage_error("--bits is for rsa keys only");
  int bits = static_cast<int>(ctx.opts.number("--bits", 2048));
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
  std::string dir = ctx.opts.value("--out", ".");
  std::string path = dir + "/" + ascii_lower(domain) + "." + selector + ".key";
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
            << "; publish this TXT record in the DNS zone of " << ascii_lower(domain) << ":\n"
            << dkim_zone_line(selector, ascii_lower(domain), key->dns_record()) << "\n";
  return 0;
}

int cmd_sign(Context& ctx) {
  std::string domain = ctx.opts.value("--domain"), selector = ctx.opts.value("--selector");
  std::string key_file = ctx.opts.value("--key");
  if (!valid_dkim_domain(domain)) return ctx.usage_error("--domain: a domain name is required");
  if (!valid_dkim_selector(selector)) return ctx.usage_error("--selector: a selector is required");
  if (key_file.empty()) return ctx.usage_error("--key: the private key file is required");
  std::string input = ctx.args.empty() ? "-" : ctx.args[0];
  Config fallback;
  const Config* c = optional_config(ctx, fallback);
  if (!c) return kExitConfig;
  if (auto r = check_key_file(key_file); !r) {
    std::cerr << "posternctl: " << r.error().message << "\n";
    return kExitFailure;
  }
  auto key = load_dkim_private_key(key_file);
  if (!key) {
    std::cerr << "posternctl: " << key.error().message << "\n";
    return kExitFailure;
  }
  auto opened = open_input(input);
  if (!opened) {
    std::cerr << "posternctl: " << input_name(input) << ": " << opened.error().message << "\n";
    return kExitFailure;
  }
  File in = std::move(*opened);
  SystemClock clock;
  NoResolver none;
  DkimEngine engine(dkim_options(c->dkim), none, clock);
  auto session = engine.sign(
      {{ascii_lower(domain), selector, std::make_shared<const DkimPrivateKey>(std::move(*key)), ""}},
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
    std::cerr << "posternctl: " << input_name(input) << ": " << r.error().message << "\n";
    return kExitFailure;
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
  std::string input = ctx.args.empty() ? "-" : ctx.args[0];
  Config fallback;
  const Config* c = optional_config(ctx, fallback);
  if (!c) return kExitConfig;
  SystemClock clock;
  auto resolver = make_resolver(c->dns, clock);
  if (!resolver) {
    std::cerr << "posternctl: dns: " << resolver.error().message << "\n";
    return kExitConfig;
  }
  auto opened = open_input(input);
  if (!opened) {
    std::cerr << "posternctl: " << input_name(input) << ": " << opened.error().message << "\n";
    return kExitFailure;
  }
  File in = std::move(*opened);
  DkimEngine engine(dkim_options(c->dkim), **resolver, clock);
  auto session = engine.verify("posternctl");
  if (!session) {
    std::cerr << "posternctl: " << session.error().message << "\n";
    return 1;
  }
  Feed<DkimVerifySession> feed(**session);
  if (auto r = stream(in.get(), feed, nullptr); !r) {
    // No verdict: "none" for a file that is not a message would read as "no signature".
    std::cerr << "posternctl: " << input_name(input) << ": " << r.error().message << "\n";
    return kExitFailure;
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

OptionSpec domain_option(std::string help) {
  return {.name = "--domain", .metavar = "D", .help = std::move(help)};
}
OptionSpec selector_option() { return {.name = "--selector", .metavar = "S", .help = "the DKIM selector"}; }

CommandRegistration reg_keygen(
    {.name = "dkim",
     .subcommand = "keygen",
     .usage = "dkim keygen --domain D --selector S [--type rsa|ed25519] [--bits N] [--out DIR]",
     .summary = "make a DKIM signing key and print its DNS record",
     .run = &cmd_keygen,
     .args = {.options = {domain_option("the signing domain"),
                          selector_option(),
                          {.name = "--type",
                           .metavar = "TYPE",
                           .help = "rsa (default) or ed25519",
                           .choices = {"rsa", "ed25519"}},
                          {.name = "--bits",
                           .metavar = "N",
                           .help = "RSA key size, " + std::to_string(kMinRsaBits) + ".." +
                                   std::to_string(kMaxRsaBits) + " (default 2048)",
                           .number = NumberRange{kMinRsaBits, kMaxRsaBits}},
                          {.name = "--out",
                           .metavar = "DIR",
                           .help = "where to write D.S.key (default the current directory)"}}}});
CommandRegistration reg_sign(
    {.name = "dkim",
     .subcommand = "sign",
     .usage = "dkim sign --domain D --selector S --key FILE [FILE|-]",
     .summary = "print the message (FILE or standard input) with a DKIM signature added",
     .run = &cmd_sign,
     .args = {.options = {domain_option("the signing domain (d=)"),
                          selector_option(),
                          {.name = "--key", .metavar = "FILE", .help = "the private key (PEM)"}},
              .max_positional = 1}});
CommandRegistration reg_verify({.name = "dkim",
                                .subcommand = "verify",
                                .usage = "dkim verify [FILE|-]",
                                .summary = "verify a message's DKIM signatures (keys from DNS)",
                                .run = &cmd_verify,
                                .args = {.max_positional = 1}});

}  // namespace
}  // namespace postern::ctl
