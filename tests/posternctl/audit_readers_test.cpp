// The audit's readers, from exact postconf / doveconf / server output: parameters, master.cf
// entries and their -o overrides applied over main.cf with $name expansion in the service's view,
// master.cf line numbers, doveconf's section tree and obsolete-setting warnings, SMTP replies
// (whole and split at every byte), IMAP and POP3 lines; and the errors for malformed input.
#include <gtest/gtest.h>

#include <string>

#include "tests/posternctl/smtp_reply_feed.h"
#include "tools/posternctl/audit/dovecot_config.h"
#include "tools/posternctl/audit/imap_line.h"
#include "tools/posternctl/audit/master_cf_lines.h"
#include "tools/posternctl/audit/postconf_expand.h"
#include "tools/posternctl/audit/postconf_lines.h"
#include "tools/posternctl/audit/postfix_config.h"
#include "tools/posternctl/audit/restrictions.h"
#include "tools/posternctl/audit/smtp_reply.h"
#include "tools/posternctl/audit/tls_policy.h"

namespace postern::audit {
namespace {

TEST(PostconfParams, NameValueLinesAndEmptyValues) {
  auto r = parse_postconf_params(
      "myhostname = mx.example.org\nmydestination =\n  \nrelay/unix/syslog_name = postfix/$service_name\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].name, "myhostname");
  EXPECT_EQ((*r)[0].value, "mx.example.org");
  EXPECT_EQ((*r)[1].name, "mydestination");
  EXPECT_EQ((*r)[1].value, "");
  EXPECT_EQ((*r)[2].name, "relay/unix/syslog_name");
  EXPECT_EQ((*r)[2].value, "postfix/$service_name");
}

TEST(PostconfParams, MalformedLinesAreErrorsWithTheirLine) {
  auto r = parse_postconf_params("a = b\nno equals sign here\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "postconf output line 2: no '='");
  EXPECT_FALSE(parse_postconf_params("= x\n").ok());
  EXPECT_FALSE(parse_postconf_params("bad name = x\n").ok());
  EXPECT_FALSE(parse_postconf_params(std::string(kMaxPostconfNameBytes + 1, 'a') + " = x\n").ok());
}

TEST(PostconfParams, SplitsServiceParameterNames) {
  auto p = split_service_param("127.0.0.1:2525/inet/smtpd_tls_auth_only");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->service, "127.0.0.1:2525");
  EXPECT_EQ(p->type, "inet");
  EXPECT_EQ(p->param, "smtpd_tls_auth_only");
  EXPECT_FALSE(split_service_param("smtpd_tls_auth_only").ok());
  EXPECT_FALSE(split_service_param("inet/x").ok());
  EXPECT_FALSE(split_service_param("a//x").ok());
}

TEST(PostconfServices, EntriesWithBracedOptions) {
  auto r = parse_postconf_services(
      "smtp      inet  n       -       y       -       -       smtpd\n"
      "submission inet  n       -       y       -       -       smtpd -o syslog_name=postfix/submission -o "
      "{smtpd_recipient_restrictions=permit_sasl_authenticated, reject}\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "smtp");
  EXPECT_EQ((*r)[0].command, "smtpd");
  EXPECT_TRUE((*r)[0].args.empty());
  ASSERT_EQ((*r)[1].args.size(), 4u);
  EXPECT_EQ((*r)[1].args[3], "{smtpd_recipient_restrictions=permit_sasl_authenticated, reject}");
  EXPECT_FALSE(parse_postconf_services("smtp inet n - y - -\n").ok());
  EXPECT_FALSE(parse_postconf_services("smtp inet n - y - - smtpd -o {a=b\n").ok());
  EXPECT_FALSE(parse_postconf_services("  -o continuation\n").ok());
}

TEST(MasterCfLines, EntryStartsSkipCommentsAndContinuations) {
  auto r = master_cf_entry_lines(
      "# comment\n\nsmtp inet n - y - - smtpd\n  -o a=b\n#x\nsubmission inet n - y - - smtpd\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].line, 3u);
  EXPECT_EQ((*r)[0].name, "smtp");
  EXPECT_EQ((*r)[1].line, 6u);
  EXPECT_EQ((*r)[1].type, "inet");
}

TEST(PostconfExpand, NamesBracesConditionalsAndLimits) {
  std::map<std::string, std::string> m = {{"a", "x$b"}, {"b", "y"}, {"e", ""}, {"loop", "$loop"}};
  ParamLookup look = [&](std::string_view n) -> const std::string* {
    auto it = m.find(std::string(n));
    return it == m.end() ? nullptr : &it->second;
  };
  EXPECT_EQ(*expand_postfix_value("$a ${b} $(a) $$ $unknown.", look), "xy y xy $ .");
  EXPECT_EQ(*expand_postfix_value("${b?set}${e?notset}${e:empty}${b:nonempty}", look), "setempty");
  EXPECT_FALSE(expand_postfix_value("$loop", look).ok());
  m["d0"] = "";
  for (int i = 1; i <= 18; ++i)
    m["d" + std::to_string(i)] = "$d" + std::to_string(i - 1) + "$d" + std::to_string(i - 1);
  auto r = expand_postfix_value("$d18", look);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "parameter expansion took more than kMaxExpandLookups lookups");
}

TEST(PostfixConfigFromOutputs, OverridesApplyOverMainCfAndExpandInTheServiceView) {
  std::string all =
      "smtpd_tls_security_level =\nsmtpd_tls_cert_file = /etc/a.pem\nsmtpd_tls_key_file = "
      "$smtpd_tls_cert_file\n"
      "mail_version = 3.7.11\nsmtpd_client_restrictions =\n";
  std::string n = "mua_client_restrictions = permit_sasl_authenticated, reject\n";
  std::string m =
      "smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd -o smtpd_tls_security_level=encrypt\n";
  std::string p =
      "submission/inet/smtpd_tls_security_level = encrypt\n"
      "submission/inet/smtpd_client_restrictions = $mua_client_restrictions\n"
      "submission/inet/smtpd_tls_cert_file = /etc/sub.pem\n";
  std::string master =
      "# x\nsmtp inet n - y - - smtpd\n\nsubmission inet n - y - - smtpd\n  -o "
      "smtpd_tls_security_level=encrypt\n";
  std::string expanded =
      "smtpd_tls_security_level =\nsmtpd_tls_cert_file = /etc/a.pem\nsmtpd_tls_key_file = /etc/a.pem\n"
      "mail_version = 3.7.11\nsmtpd_client_restrictions =\n";
  auto c = PostfixConfig::from_outputs(all, expanded, n, m, p, master, "/etc/postfix");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->version, "3.7.11");
  ASSERT_EQ(c->services.size(), 2u);
  const auto& smtp = c->services[0];
  const auto& sub = c->services[1];
  EXPECT_EQ(smtp.where(), "master.cf:2 smtp");
  EXPECT_EQ(sub.where(), "master.cf:4 submission");
  EXPECT_EQ(smtp.port(), 25);
  EXPECT_EQ(sub.port(), 587);
  EXPECT_EQ(c->get(smtp, "smtpd_tls_security_level"), "");
  EXPECT_EQ(c->get(sub, "smtpd_tls_security_level"), "encrypt");
  EXPECT_EQ(c->get(sub, "smtpd_client_restrictions"), "permit_sasl_authenticated, reject");
  EXPECT_EQ(c->get(smtp, "smtpd_tls_key_file"), "/etc/a.pem");
  EXPECT_EQ(c->get(sub, "smtpd_tls_key_file"), "/etc/sub.pem") << "expanded in the service's view";
  EXPECT_TRUE(c->overridden(sub, "smtpd_tls_security_level"));
  EXPECT_TRUE(c->set_in_main("mua_client_restrictions"));
  EXPECT_FALSE(c->set_in_main("smtpd_tls_cert_file"));
  EXPECT_TRUE(c->known("smtpd_tls_cert_file"));
  EXPECT_FALSE(c->known("smtpd_forbid_bare_newline"));
  EXPECT_FALSE(PostfixConfig::from_outputs(all, expanded, n, m, "nonsense = x\n", master, "/x").ok());
  EXPECT_FALSE(PostfixConfig::from_outputs(all, "no equals\n", n, m, p, master, "/x").ok());
}

TEST(PostfixService, PortsAndHosts) {
  PostfixService s{"127.0.0.1:2525", "inet", "smtpd", 0, {}};
  EXPECT_EQ(s.port(), 2525);
  EXPECT_EQ(s.host(), "127.0.0.1");
  EXPECT_EQ(s.where(), "master.cf 127.0.0.1:2525");
  s.name = "[::1]:smtps";
  EXPECT_EQ(s.port(), 465);
  EXPECT_EQ(s.host(), "::1");
}

const char* kDoveconfN =
    "# 2.3.19.1 (9b53102964): /tmp/dcx/dovecot.conf\n"
    "auth_mechanisms = plain login\n"
    "passdb {\n  args = scheme=SHA512-CRYPT /etc/passwd-x\n  driver = passwd-file\n}\n"
    "service auth {\n  unix_listener /var/spool/postfix/private/auth {\n    mode = 0666\n  }\n}\n"
    "ssl_cert = </etc/ssl/certs/x.pem\n"
    "local 127.0.0.1 {\n  ssl = no\n}\n";

TEST(Doveconf, SectionTree) {
  auto r = parse_doveconf(kDoveconfN);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r->get("auth_mechanisms"), "plain login");
  EXPECT_EQ(*r->get("ssl_cert"), "</etc/ssl/certs/x.pem");
  auto pdb = r->sections("passdb");
  ASSERT_EQ(pdb.size(), 1u);
  EXPECT_EQ(*pdb[0]->get("driver"), "passwd-file");
  auto auth = r->sections("service", "auth");
  ASSERT_EQ(auth.size(), 1u);
  auto ul = auth[0]->sections("unix_listener", "/var/spool/postfix/private/auth");
  ASSERT_EQ(ul.size(), 1u);
  EXPECT_EQ(*ul[0]->get("mode"), "0666");
  EXPECT_EQ(r->sections("local", "127.0.0.1").size(), 1u);
}

TEST(Doveconf, ErrorsNameTheLine) {
  auto r = parse_doveconf("a = b\n}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "doveconf output line 2: unbalanced '}'");
  EXPECT_FALSE(parse_doveconf("service auth {\n").ok());
  EXPECT_FALSE(parse_doveconf("= x\n").ok());
  std::string deep;
  for (size_t i = 0; i <= kMaxDoveconfDepth; ++i) deep += "s {\n";
  EXPECT_FALSE(parse_doveconf(deep).ok());
}

TEST(Doveconf, ObsoleteWarnings) {
  auto w = parse_doveconf_warnings(
      "doveconf: Warning: NOTE: You can get a new clean config file with: doveconf -Pn > dovecot-new.conf\n"
      "doveconf: Warning: Obsolete setting in /tmp/dcx/dovecot.conf:7: ssl_protocols has been replaced by "
      "ssl_min_protocol\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].file, "/tmp/dcx/dovecot.conf");
  EXPECT_EQ(w[0].line, 7u);
  EXPECT_EQ(w[0].setting, "ssl_protocols");
  EXPECT_EQ(w[0].replacement, "ssl_min_protocol");
}

TEST(DovecotConfig, ListenersWithEffectiveValues) {
  auto c = dovecot_config_from_outputs(kDoveconfN,
                                       "ssl = required\nservice imap-login {\n  inet_listener imap {\n    "
                                       "address = \n    port = 143\n    ssl = no\n  }\n"
                                       "  inet_listener imaps {\n    port = 993\n    ssl = yes\n  }\n}\n"
                                       "service auth {\n  unix_listener /var/spool/postfix/private/auth {\n  "
                                       "  group = \n    mode = 0666\n    user = \n  }\n}\n",
                                       "", "/etc/dovecot/dovecot.conf");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->get("ssl"), "required");
  auto l = c->listeners();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].name, "imap");
  EXPECT_EQ(l[0].port, 143);
  EXPECT_FALSE(l[0].ssl);
  EXPECT_EQ(l[1].port, 993);
  EXPECT_TRUE(l[1].ssl);
  EXPECT_TRUE(l[2].unix_socket);
  EXPECT_EQ(l[2].path, "/var/spool/postfix/private/auth");
  EXPECT_EQ(l[2].mode, "0666");
}

std::vector<std::string> replies(std::string_view a, std::string_view b, bool& failed) {
  return postern::test::smtp_replies_fed(a, b, failed);
}

TEST(SmtpReply, MultiLineRepliesWholeAndSplitAtEveryByte) {
  std::string in = "220 mx ESMTP\r\n250-mx\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\n";
  bool failed = false;
  auto whole = replies(in, "", failed);
  ASSERT_FALSE(failed);
  ASSERT_EQ(whole, (std::vector<std::string>{"220|mx ESMTP", "250|mx|STARTTLS|AUTH PLAIN LOGIN|8BITMIME"}));
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    auto split = replies(std::string_view(in).substr(0, cut), std::string_view(in).substr(cut), failed);
    EXPECT_FALSE(failed);
    EXPECT_EQ(split, whole) << cut;
  }
  SmtpReplyReader r;
  r.append(in.substr(14));
  auto ehlo = r.next();
  ASSERT_TRUE(ehlo.ok() && ehlo->has_value());
  EXPECT_EQ((*ehlo)->ehlo_keywords(), (std::vector<std::string>{"STARTTLS", "AUTH", "8BITMIME"}));
  EXPECT_EQ((*ehlo)->ehlo_params("auth"), (std::vector<std::string>{"PLAIN", "LOGIN"}));
  EXPECT_TRUE((*ehlo)->has_keyword("starttls"));
}

TEST(SmtpReply, GarbageAndLimits) {
  bool failed = false;
  replies("HTTP/1.1 400 Bad Request\r\n", "", failed);
  EXPECT_TRUE(failed);
  replies("250-a\r\n251 b\r\n", "", failed);
  EXPECT_TRUE(failed) << "codes differ";
  replies("2500 x\r\n", "", failed);
  EXPECT_TRUE(failed);
  replies(std::string(kMaxSmtpLineBytes + 1, '2'), "", failed);
  EXPECT_TRUE(failed) << "no newline within the limit";
  std::string many;
  for (size_t i = 0; i <= kMaxSmtpReplyLines; ++i) many += "250-x\r\n";
  replies(many, "", failed);
  EXPECT_TRUE(failed);
}

TEST(ImapLine, GreetingCapabilitiesAndStatus) {
  auto g = parse_imap_line("* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->tag, "*");
  EXPECT_EQ(g->status, ImapStatus::ok);
  EXPECT_TRUE(g->has_capability("logindisabled"));
  EXPECT_TRUE(g->has_capability("STARTTLS"));
  auto c = parse_imap_line("* CAPABILITY IMAP4rev1 AUTH=PLAIN");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->capabilities, (std::vector<std::string>{"IMAP4REV1", "AUTH=PLAIN"}));
  auto t = parse_imap_line("a2 NO [ALERT] nope");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, ImapStatus::no);
  EXPECT_FALSE(parse_imap_line("").ok());
  EXPECT_FALSE(parse_imap_line("* OK [CAPABILITY IMAP4rev1").ok());
  EXPECT_EQ(*parse_pop3_line("+OK Dovecot ready."), Pop3Status::ok);
  EXPECT_EQ(*parse_pop3_line("-ERR no"), Pop3Status::err);
  EXPECT_FALSE(parse_pop3_line("220 smtp").ok());
}

}  // namespace
}  // namespace postern::audit

namespace postern::audit {
namespace {

TEST(Restrictions, RelayJudgement) {
  EXPECT_EQ(judge_relay("permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination").verdict,
            RelayVerdict::safe);
  EXPECT_EQ(judge_relay("permit_mynetworks defer_unauth_destination").verdict, RelayVerdict::safe);
  EXPECT_EQ(judge_relay("reject_unauth_pipelining, check_policy_service unix:private/p, reject").verdict,
            RelayVerdict::safe);
  auto open = judge_relay("permit_mynetworks, permit, reject_unauth_destination");
  EXPECT_EQ(open.verdict, RelayVerdict::open);
  EXPECT_EQ(open.culprit, "permit");
  EXPECT_EQ(judge_relay("permit_mynetworks").verdict, RelayVerdict::open);
  EXPECT_EQ(judge_relay("").verdict, RelayVerdict::open);
  auto map = judge_relay("check_client_access hash:/etc/postfix/access, reject_unauth_destination");
  EXPECT_EQ(map.verdict, RelayVerdict::map_may_permit);
  EXPECT_EQ(map.culprit, "check_client_access hash:/etc/postfix/access");
  EXPECT_TRUE(refuses_unauthenticated("permit_sasl_authenticated,reject"));
  EXPECT_TRUE(refuses_unauthenticated("permit_mynetworks permit_sasl_authenticated reject"));
  EXPECT_FALSE(refuses_unauthenticated("permit_sasl_authenticated, reject_unauth_destination"));
  EXPECT_FALSE(refuses_unauthenticated("permit, permit_sasl_authenticated, reject"));
  EXPECT_FALSE(refuses_unauthenticated(""));
}

TEST(TlsPolicy, PostfixProtocolLists) {
  EXPECT_EQ(postfix_protocols("!SSLv2, !SSLv3").below(Proto::tls1_2), "TLSv1, TLSv1.1");
  EXPECT_EQ(postfix_protocols("!SSLv2").below(Proto::tls1_2), "SSLv3, TLSv1, TLSv1.1");
  EXPECT_EQ(postfix_protocols(">=TLSv1.2").below(Proto::tls1_2), "");
  EXPECT_TRUE(postfix_protocols(">=TLSv1.2").has(Proto::tls1_3));
  auto listed = postfix_protocols("TLSv1,TLSv1.1:TLSv1.2");
  EXPECT_EQ(listed.below(Proto::tls1_2), "TLSv1, TLSv1.1");
  EXPECT_FALSE(listed.has(Proto::tls1_3));
  EXPECT_FALSE(postfix_protocols("<=TLSv1.1 !TLSv1").has(Proto::tls1_2));
  EXPECT_EQ(dovecot_min_protocol("TLSv1"), Proto::tls1_0);
  EXPECT_EQ(dovecot_min_protocol("ANY"), Proto::sslv3);
  EXPECT_EQ(dovecot_min_protocol("TLSv1.2"), Proto::tls1_2);
}

TEST(TlsPolicy, WeakSuiteClassesAsTheLocalOpenSslReadsThem) {
  // aNULL includes AECDH-NULL-SHA, anonymous and unencrypted at once.
  EXPECT_EQ(weak_suite_classes("aNULL:HIGH:@SECLEVEL=0").names(), "eNULL, aNULL");
  EXPECT_EQ(weak_suite_classes("ALL:@SECLEVEL=0").names(), "aNULL");
  EXPECT_EQ(weak_suite_classes("aNULL:HIGH").names(), "")
      << "security level 1 and up refuse anonymous suites";
  EXPECT_EQ(weak_suite_classes("HIGH:!aNULL").names(), "");
  EXPECT_TRUE(weak_suite_classes("eNULL:@SECLEVEL=0").names().find("eNULL") != std::string::npos);
  EXPECT_FALSE(weak_suite_classes("NO-SUCH-CIPHER").valid);
}

}  // namespace
}  // namespace postern::audit
