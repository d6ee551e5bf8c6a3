// The transport-security pieces of posternctl dns-records, without the network: TLSA digests
// compared with the openssl command line (x509 -pubkey | pkey -pubin -outform DER | sha256), from
// certificate chains, keys and CSRs; TLSA data parsing; the MTA-STS policy parser (strict cases),
// renderer and content-derived id; MX pattern matching; the MTA-STS and TLS-RPT TXT records; the
// HTTP response parser behind the policy fetch.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tools/posternctl/transport/http_response.h"
#include "tools/posternctl/transport/mta_sts_policy.h"
#include "tools/posternctl/transport/pem_chains.h"
#include "tools/posternctl/transport/tlsa.h"
#include "tools/posternctl/transport/txt_records.h"

namespace postern::ctl {
namespace {

using test::TempDir;

std::string sh(const std::string& cmd) {
  auto r = test::run_command({"/bin/sh", "-c", cmd});
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
  return r.output;
}

// The SPKI SHA-256 as the openssl command line computes it (the reference RFC 7671 A.1 gives).
std::string openssl_spki_sha256(const std::string& pubkey_cmd) {
  std::string out = sh(pubkey_cmd + " | openssl pkey -pubin -outform DER | sha256sum");
  return out.substr(0, 64);
}

class Tlsa : public ::testing::Test {
 protected:
  TempDir dir_{"transport-tlsa"};
  std::string p(const std::string& f) { return (dir_ / f).string(); }
  std::string read(const std::string& f) {
    std::ifstream in(p(f), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // A CA and a leaf signed by it, chain file = leaf then CA.
  void make_chain(const std::string& keyalg) {
    sh("cd " + dir_.str() +
       " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem"
       " -days 2 -subj /CN=ca 2>/dev/null"
       " && openssl req -newkey " +
       keyalg +
       " -nodes -keyout leaf.key -out leaf.csr -subj /CN=mx.example.org"
       " -addext subjectAltName=DNS:mx.example.org,DNS:*.mx.example.net 2>/dev/null"
       " && openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out leaf.pem"
       " -copy_extensions copy 2>/dev/null && cat leaf.pem ca.pem > chain.pem");
  }
};

TEST_F(Tlsa, LeafAndIssuerDigestsMatchOpenssl) {
  for (std::string alg : {"rsa:2048", "ec -pkeyopt ec_paramgen_curve:P-256"}) {
    make_chain(alg);
    auto chains = read_certificate_chains(p("chain.pem"));
    ASSERT_TRUE(chains.ok()) << chains.error().message;
    ASSERT_EQ(chains->size(), 1u);
    const ChainKeys* k = &(*chains)[0];
    EXPECT_EQ(k->leaf_spki_sha256,
              openssl_spki_sha256("openssl x509 -in " + p("leaf.pem") + " -noout -pubkey"));
    EXPECT_EQ(k->issuer_spki_sha256,
              openssl_spki_sha256("openssl x509 -in " + p("ca.pem") + " -noout -pubkey"));
    EXPECT_EQ(k->key_type, alg[0] == 'r' ? "RSA 2048" : "EC prime256v1");
    EXPECT_EQ(k->dns_names, (std::vector<std::string>{"mx.example.org", "*.mx.example.net"}));
    EXPECT_GT(k->not_after, 0);
    EXPECT_EQ(dane_ee_record(k->leaf_spki_sha256).rdata(), "3 1 1 " + k->leaf_spki_sha256);
    EXPECT_EQ(dane_ta_record(k->issuer_spki_sha256).rdata(), "2 1 1 " + k->issuer_spki_sha256);
    // The private key, the CSR and the certificate alone all give the leaf's digest.
    for (std::string f : {"leaf.key", "leaf.csr", "leaf.pem"}) {
      auto h = read_key_spki_sha256(p(f));
      ASSERT_TRUE(h.ok()) << f << ": " << h.error().message;
      EXPECT_EQ(*h, k->leaf_spki_sha256) << f;
    }
    auto alone = read_certificate_chains(p("leaf.pem"));
    ASSERT_TRUE(alone.ok());
    EXPECT_EQ(alone->at(0).issuer_spki_sha256, "") << "no issuer in a leaf-only file";
  }
}

// smtpd_tls_chain_files' documented form: an RSA key and its chain, then an ECDSA key and its chain,
// in one file. Each chain gives its own record, each digest as the openssl pipeline computes it.
TEST_F(Tlsa, OneFileWithRsaAndEcdsaChainsGivesARecordForEach) {
  make_chain("rsa:2048");
  sh("cd " + dir_.str() + " && cp leaf.pem rsa.pem && cp leaf.key rsa.key");
  make_chain("ec -pkeyopt ec_paramgen_curve:P-256");
  sh("cd " + dir_.str() + " && cat rsa.key rsa.pem ca.pem leaf.key leaf.pem ca.pem > both.pem");
  auto chains = read_certificate_chains(p("both.pem"));
  ASSERT_TRUE(chains.ok()) << chains.error().message;
  ASSERT_EQ(chains->size(), 2u);
  std::string ca = openssl_spki_sha256("openssl x509 -in " + p("ca.pem") + " -noout -pubkey");
  EXPECT_EQ((*chains)[0].leaf_spki_sha256,
            openssl_spki_sha256("openssl x509 -in " + p("rsa.pem") + " -noout -pubkey"));
  EXPECT_EQ((*chains)[0].key_type, "RSA 2048");
  EXPECT_EQ((*chains)[1].leaf_spki_sha256,
            openssl_spki_sha256("openssl x509 -in " + p("leaf.pem") + " -noout -pubkey"));
  EXPECT_EQ((*chains)[1].key_type, "EC prime256v1");
  EXPECT_NE((*chains)[0].leaf_spki_sha256, (*chains)[1].leaf_spki_sha256);
  // The RSA chain's CA is the first make_chain's, replaced since; the second chain's is ca.pem.
  EXPECT_EQ((*chains)[1].issuer_spki_sha256, ca);
  EXPECT_EQ((*chains)[0].der_chain.size(), 2u);
  // The keys stay with their chains.
  auto parsed = parse_pem_chains(read("both.pem"));
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_NE((*parsed)[0].key_pem.find("PRIVATE KEY"), std::string::npos);
  EXPECT_NE((*parsed)[0].key_pem, (*parsed)[1].key_pem);
  // A key alone is no chain; certificates without a key are one.
  EXPECT_EQ(parse_pem_chains(read("rsa.key"))->size(), 0u);
  EXPECT_EQ(parse_pem_chains(read("chain.pem"))->size(), 1u);
  std::string many;
  for (size_t i = 0; i <= kMaxPemChains; ++i) many += read("leaf.key") + read("leaf.pem");
  EXPECT_FALSE(parse_pem_chains(many).ok());
}

TEST_F(Tlsa, PublicKeyFileAndBadFiles) {
  make_chain("rsa:2048");
  sh("openssl pkey -in " + p("leaf.key") + " -pubout -out " + p("leaf.pub"));
  auto h = read_key_spki_sha256(p("leaf.pub"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, openssl_spki_sha256("openssl x509 -in " + p("leaf.pem") + " -noout -pubkey"));
  sh("openssl pkey -in " + p("leaf.key") + " -aes128 -passout pass:x -out " + p("enc.key"));
  auto enc = read_key_spki_sha256(p("enc.key"));
  ASSERT_FALSE(enc.ok());
  EXPECT_NE(enc.error().message.find("encrypted key"), std::string::npos) << enc.error().message;
  dir_.write("junk.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
  auto junk = read_certificate_chains(p("junk.pem"));
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message.find(p("junk.pem")), std::string::npos);
  EXPECT_FALSE(read_certificate_chains(p("missing.pem")).ok());
  EXPECT_FALSE(read_key_spki_sha256(p("junk.pem")).ok());
}

TEST(TlsaRdata, ParsesWhatTheResolverRenders) {
  auto t = parse_tlsa_rdata("3 1 1 ABCDEF01");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (TlsaRecord{3, 1, 1, "abcdef01"}));
  EXPECT_EQ(t->rdata(), "3 1 1 abcdef01");
  for (std::string bad : {"", "3 1 1", "3 1 1 ", "3 1 1 abc", "256 1 1 ab", "3  1 1 ab", "3 1 1 zz",
                          "a 1 1 ab", "3 1 1 ab cd", "-1 1 1 ab", "0003 1 1 ab"}) {
    EXPECT_FALSE(parse_tlsa_rdata(bad).ok()) << bad;
  }
  EXPECT_FALSE(parse_tlsa_rdata("3 1 1 " + std::string(2 * kMaxTlsaDataBytes + 2, 'a')).ok());
  EXPECT_EQ(tlsa_owner("mx.example.org"), "_25._tcp.mx.example.org");
}

TEST(CertificateNames, ExactAndOneLabelWildcard) {
  EXPECT_TRUE(certificate_name_matches("MX.example.org", "mx.example.org."));
  EXPECT_TRUE(certificate_name_matches("*.example.org", "mx.example.org"));
  EXPECT_FALSE(certificate_name_matches("*.example.org", "a.mx.example.org"));
  EXPECT_FALSE(certificate_name_matches("*.example.org", "example.org"));
  EXPECT_FALSE(certificate_name_matches("mx.example.org", "mx2.example.org"));
}

TEST(MtaStsPolicy, ParsesTheRfcExampleAndRendersWithCrlf) {
  auto p = parse_mta_sts_policy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: "
      "backupmx.example.com\r\n"
      "max_age: 604800\r\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->mode, MtaStsMode::enforce);
  EXPECT_EQ(p->max_age, 604800u);
  EXPECT_EQ(p->mx, (std::vector<std::string>{"mail.example.com", "*.example.net", "backupmx.example.com"}));
  MtaStsPolicy q{MtaStsMode::testing, {"mx.example.org", "mx2.example.org"}, 86400};
  EXPECT_EQ(
      render_mta_sts_policy(q),
      "version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmx: mx2.example.org\r\nmax_age: 86400\r\n");
  auto back = parse_mta_sts_policy(render_mta_sts_policy(q));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->mx, q.mx);
  // LF line ends, white space after ':', extensions, no final newline.
  auto lf = parse_mta_sts_policy(
      "version:STSv1\nmode:\t testing \nmx: MX.Example.ORG\nx_ext-1.a: what ever\nmax_age: 0");
  ASSERT_TRUE(lf.ok()) << lf.error().message;
  EXPECT_EQ(lf->mx, std::vector<std::string>{"mx.example.org"});
  EXPECT_EQ(lf->max_age, 0u);
  auto none = parse_mta_sts_policy("version: STSv1\nmode: none\nmax_age: 86400\n");
  ASSERT_TRUE(none.ok());
}

TEST(MtaStsPolicy, StrictAboutWhatSendersWouldMisread) {
  const std::string ok_tail = "mx: mx.example.org\nmax_age: 86400\n";
  struct Case {
    std::string text, error;
  } cases[] = {
      {"mode: enforce\n" + ok_tail, "no version field"},
      {"version: STSv2\nmode: enforce\n" + ok_tail, "version is not STSv1"},
      {"version: STSv1\n" + ok_tail, "no mode field"},
      {"version: STSv1\nmode: Enforce\n" + ok_tail, "mode must be"},
      {"version: STSv1\nmode: enforce\nmode: testing\n" + ok_tail, "second mode"},
      {"version: STSv1\nmode: enforce\nmx: mx.example.org\n", "no max_age"},
      {"version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 31557601\n", "above 31557600"},
      {"version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 12345678901\n", "1 to 10 digits"},
      {"version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: -1\n", "1 to 10 digits"},
      {"version: STSv1\nmode: enforce\nmax_age: 86400\n", "no mx field"},
      {"version: STSv1\nmode: enforce\nmx: mx..example.org\nmax_age: 86400\n", "not a host name"},
      {"version: STSv1\nmode: enforce\nmx: *.*.example.org\nmax_age: 86400\n", "not a host name"},
      {"version: STSv1\nmode: enforce\nmx: mx.example.org.\nmax_age: 86400\n", "not a host name"},
      {"version: STSv1\n\nmode: enforce\n" + ok_tail, "line 2: empty line"},
      {"version: STSv1\nmode enforce\n" + ok_tail, "line 2: no ':'"},
      {"version: STSv1\nmode: enforce\n" + ok_tail + "b@d: x\n", "malformed field name"},
      {"version: STSv1\nmode: enforce\nmx: mx.example.org\x01\nmax_age: 86400\n", "control character"},
  };
  for (const auto& c : cases) {
    auto p = parse_mta_sts_policy(c.text);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.error().message.find(c.error), std::string::npos) << c.text << " -> " << p.error().message;
  }
  std::string big = "version: STSv1\nmode: enforce\nmax_age: 1\n";
  while (big.size() <= kMaxMtaStsPolicyBytes) big += "mx: mx.example.org\n";
  EXPECT_FALSE(parse_mta_sts_policy(big).ok());
  std::string many = "version: STSv1\nmode: enforce\nmax_age: 1\n";
  for (size_t i = 0; i <= kMaxMtaStsMxPatterns; ++i) many += "mx: m" + std::to_string(i) + ".example\n";
  auto m = parse_mta_sts_policy(many);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("more than 256 mx"), std::string::npos) << m.error().message;
}

TEST(MtaStsPolicy, IdChangesExactlyWithThePolicy) {
  std::string a = render_mta_sts_policy({MtaStsMode::testing, {"mx.example.org"}, 86400});
  std::string b = render_mta_sts_policy({MtaStsMode::enforce, {"mx.example.org"}, 86400});
  EXPECT_EQ(mta_sts_policy_id(a), mta_sts_policy_id(a));
  EXPECT_NE(mta_sts_policy_id(a), mta_sts_policy_id(b));
  EXPECT_EQ(mta_sts_policy_id(a).size(), 32u);
  // The first 32 hex digits of the policy's SHA-256, which sha256sum shows too.
  EXPECT_EQ(mta_sts_policy_id("abc"), "ba7816bf8f01cfea414140de5dae2223");
}

TEST(MtaStsPolicy, MxPatterns) {
  EXPECT_TRUE(mx_pattern_matches("mx.example.org", "MX.example.org."));
  EXPECT_TRUE(mx_pattern_matches("*.example.net", "mx1.example.net"));
  EXPECT_FALSE(mx_pattern_matches("*.example.net", "a.b.example.net"));
  EXPECT_FALSE(mx_pattern_matches("*.example.net", "example.net"));
  EXPECT_FALSE(mx_pattern_matches("mx.example.org", "mx2.example.org"));
}

TEST(TransportTxt, MtaStsRecord) {
  EXPECT_EQ(*parse_mta_sts_record("v=STSv1; id=20160831085700Z;"), "20160831085700Z");
  EXPECT_EQ(*parse_mta_sts_record("v=STSv1;id=abc ; ext=1"), "abc");
  for (std::string bad : std::vector<std::string>{
           "v=STSv1", "v=STSv1; id=", "v=STSv1; id=a-b", "v=STSv1; id=" + std::string(33, 'a'),
           "v=STSv1; id=a; id=b", "v=STSv1;; id=a", "v=STSv10; id=a", "id=a; v=STSv1", "v=STSv1 id=a"}) {
    EXPECT_FALSE(parse_mta_sts_record(bad).ok()) << bad;
  }
  EXPECT_TRUE(looks_like_mta_sts_record("v=STSv1; id=a"));
  EXPECT_FALSE(looks_like_mta_sts_record("v=STSv10"));
}

TEST(TransportTxt, TlsRptRecord) {
  auto u = parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:reports@example.com");
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u->size(), 1u);
  EXPECT_EQ((*u)[0].kind, TlsRptUriKind::mailto);
  EXPECT_EQ((*u)[0].target, "reports@example.com");
  auto two =
      parse_tlsrpt_record("v=TLSRPTv1;rua=https://reporting.example.com/v1/tlsrpt, mailto:a@b.example;");
  ASSERT_TRUE(two.ok()) << two.error().message;
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].kind, TlsRptUriKind::https);
  for (std::string bad : {"v=TLSRPTv1", "v=TLSRPTv1; rua=", "v=TLSRPTv1; rua=ftp://x",
                          "v=TLSRPTv1; rua=mailto:x", "v=TLSRPTv1; rua=mailto:a@b@c",
                          "v=TLSRPTv1; rua=mailto:a@b; rua=mailto:c@d", "v=TLSRPTv1; rua=https://"}) {
    EXPECT_FALSE(parse_tlsrpt_record(bad).ok()) << bad;
  }
}

TEST(HttpResponse, LengthChunkedAndLimits) {
  auto r = parse_http_response(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello", 100);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/plain");
  EXPECT_EQ(r->body, "hello");
  auto c = parse_http_response(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n", 100);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->body, "hello world");
  auto redirect = parse_http_response("HTTP/1.0 302 Found\r\nLocation: https://x.example/p\r\n\r\n", 100);
  ASSERT_TRUE(redirect.ok());
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->location, "https://x.example/p");
  auto big = parse_http_response("HTTP/1.1 200 OK\r\n\r\n" + std::string(101, 'x'), 100);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().message, "body larger than 100 bytes");
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", 100).ok());
  EXPECT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", 100).error().message,
            "truncated body");
  for (std::string bad :
       {"", "HTTP/1.1 200 OK", "HTTP/2 200\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"}) {
    EXPECT_FALSE(parse_http_response(bad, 100).ok()) << bad;
  }
}

}  // namespace
}  // namespace postern::ctl
