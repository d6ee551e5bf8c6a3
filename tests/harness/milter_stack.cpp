// MilterStack. Contract in milter_stack.h.
#include "tests/harness/milter_stack.h"

#include <sys/stat.h>

#include <stdexcept>

#include "tests/harness/net.h"

namespace postern::test {

MilterStack::MilterStack(MilterStackOptions options) : options_(std::move(options)) {
  dir_ = std::make_unique<TempDir>(options_.dir_prefix);
  chmod(dir_->path().c_str(), 0755);
  if (options_.dns) dns_ = std::make_unique<TestDnsServer>();
  for (const auto& domain : options_.dkim_keys) {
    auto pem = generate_dkim_private_key_pem(options_.key_type, options_.key_bits);
    if (!pem) throw std::runtime_error("keygen: " + pem.error().message);
    auto path = dir_->write(domain + ".key", *pem);
    chmod(path.c_str(), 0644);
    auto key = parse_dkim_private_key(*pem);
    if (!key || !dns_ || !dns_->add_txt("s1._domainkey." + domain, key->dns_record()))
      throw std::runtime_error("cannot publish the DKIM key of " + domain);
  }
  for (const auto& [name, content] : options_.files) chmod(dir_->write(name, content).c_str(), 0644);
  if (options_.prepare) options_.prepare(dir_->path());
  std::string conf = "[log]\ndestination = \"stderr\"\n";
  if (dns_) conf += "[dns]\nservers = [\"" + dns_->address() + "\"]\n";
  conf += "[milter]\nsocket = \"unix:" + socket() + "\"\nuser = \"nobody\"\ngroup = \"postfix\"\n" +
          options_.milter_keys + options_.sections;
  for (const auto& domain : options_.signing_domains) {
    conf += "[[dkim.key]]\ndomain = \"" + domain + "\"\nselector = \"s1\"\nkey_file = \"" +
            key_file(domain).string() + "\"\n";
  }
  for (size_t at; (at = conf.find("@DIR@")) != std::string::npos;) conf.replace(at, 5, dir_->path().string());
  config_ = dir_->write("postern.conf", conf).string();
  milter_ = std::make_unique<Process>(std::vector<std::string>{options_.milter, "-f", "-c", config_},
                                      (dir_->path() / "milter").string());
  if (!wait_for_unix(socket())) throw std::runtime_error("milter did not start: " + milter_->output());
  PostfixOptions p;
  p.mailboxes = options_.mailboxes;
  p.domains = options_.domains;
  if (!options_.users.empty()) {
    DovecotOptions d;
    d.users = options_.users;
    dovecot_ = std::make_unique<DovecotInstance>(d);
    p.submission = true;
    p.dovecot_auth_port = dovecot_->auth_port();
  }
  p.main_cf["smtpd_milters"] = "unix:" + socket();
  if (options_.non_smtpd_milters) p.main_cf["non_smtpd_milters"] = "unix:" + socket();
  // Our loopback client would count as "local" and get headers added by cleanup (a From: for a
  // message without one); real clients are remote, so treat this one as remote too.
  p.main_cf["local_header_rewrite_clients"] = "";
  for (const auto& [k, v] : options_.main_cf) p.main_cf[k] = v;
  p.mx_options = options_.mx_options;
  if (options_.before_postfix) options_.before_postfix(*this, p);
  postfix_ = std::make_unique<PostfixInstance>(p);
}

MilterStack::~MilterStack() {
  postfix_.reset();
  dovecot_.reset();
  milter_.reset();
  dns_.reset();
  dir_.reset();
}

std::string MilterStack::socket() const { return (dir_->path() / "milter.sock").string(); }

std::filesystem::path MilterStack::key_file(const std::string& domain) const {
  return dir_->path() / (domain + ".key");
}

SmtpReply MilterStack::inbound(const std::string& from, const std::string& message, const std::string& client,
                               const std::vector<std::string>& to, const std::string& helo) {
  SmtpSend s;
  s.port = postfix_->smtp_port();
  s.xclient = "ADDR=" + client + " NAME=[UNAVAILABLE]";
  s.helo = helo;
  s.from = from;
  s.to = to;
  s.message = message;
  return smtp_send(s);
}

SmtpReply MilterStack::submit(const std::string& user, const std::string& password, const std::string& from,
                              const std::string& message, const std::vector<std::string>& to) {
  SmtpSend s;
  s.port = postfix_->submission_port();
  s.user = user;
  s.password = password;
  s.from = from;
  s.to = to;
  s.message = message;
  return smtp_send(s);
}

std::string MilterStack::delivered(const std::string& mailbox, size_t n) {
  EXPECT_TRUE(postfix_->wait_for_messages(mailbox, n)) << postfix_->maillog() << milter_->output();
  auto all = postfix_->messages(mailbox);
  return all.size() >= n ? all[n - 1] : std::string();
}

std::string MilterStack::signed_by(const std::string& posternctl, const std::string& domain,
                                   const std::string& message) {
  auto file = dir_->write("to-sign.eml", message);
  auto r = run_command({posternctl, "dkim", "sign", "--domain", domain, "--selector", "s1", "--key",
                        key_file(domain).string(), file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

}  // namespace postern::test
