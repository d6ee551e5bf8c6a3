// Unit tests of parse_dns_answer (common/dns/answer.h) on responses built with ldns: question
// checks, record decoding, CNAME chains, negative TTLs, RCODE mapping, and the named limits.
#include "common/dns/answer.h"

#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdlib>
#include <initializer_list>

namespace postern {
namespace {

struct Packet {
  ldns_pkt* p = ldns_pkt_new();
  Packet(const char* qname, ldns_rr_type qtype, uint16_t id = 77) {
    ldns_pkt_set_id(p, id);
    ldns_pkt_set_qr(p, true);
    ldns_rr* q = nullptr;
    EXPECT_EQ(
        ldns_rr_new_question_frm_str(
            &q, (std::string(qname) + " IN " + ldns_rr_type2str_short(qtype)).c_str(), nullptr, nullptr),
        LDNS_STATUS_OK);
    ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
  }
  static const char* ldns_rr_type2str_short(ldns_rr_type t) {
    switch (t) {
      case LDNS_RR_TYPE_A:
        return "A";
      case LDNS_RR_TYPE_AAAA:
        return "AAAA";
      case LDNS_RR_TYPE_TXT:
        return "TXT";
      case LDNS_RR_TYPE_MX:
        return "MX";
      case LDNS_RR_TYPE_PTR:
        return "PTR";
      case LDNS_RR_TYPE_TLSA:
        return "TLSA";
      default:
        return "CNAME";
    }
  }
  ~Packet() { ldns_pkt_free(p); }
  Packet& add(ldns_pkt_section sec, const std::string& rr) {
    ldns_rr* r = nullptr;
    EXPECT_EQ(ldns_rr_new_frm_str(&r, rr.c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK) << rr;
    ldns_pkt_push_rr(p, sec, r);
    return *this;
  }
  Packet& answer(const std::string& rr) { return add(LDNS_SECTION_ANSWER, rr); }
  Packet& authority(const std::string& rr) { return add(LDNS_SECTION_AUTHORITY, rr); }
  std::vector<uint8_t> wire() const {
    uint8_t* buf = nullptr;
    size_t size = 0;
    EXPECT_EQ(ldns_pkt2wire(&buf, p, &size), LDNS_STATUS_OK);
    std::vector<uint8_t> out(buf, buf + size);
    std::free(buf);
    return out;
  }
};

TEST(Answer, DecodesEachType) {
  Packet a("www.example.test.", LDNS_RR_TYPE_A);
  a.answer("www.example.test. 60 IN A 192.0.2.1").answer("www.example.test. 30 IN A 192.0.2.2");
  auto r = parse_dns_answer(a.wire(), "WWW.example.test.", RrType::A);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, 77);
  EXPECT_EQ(r->result.status, DnsStatus::answer);
  ASSERT_EQ(r->result.records.size(), 2u);
  EXPECT_EQ(r->result.records[1].text, "192.0.2.2");
  EXPECT_EQ(r->result.records[1].ttl, 30u);

  Packet t("t.test.", LDNS_RR_TYPE_TXT);
  t.answer("t.test. 60 IN TXT \"a\" \"\" \"bc\"");
  auto rt = parse_dns_answer(t.wire(), "t.test", RrType::TXT);
  ASSERT_TRUE(rt);
  EXPECT_EQ(rt->result.records.at(0).text, "abc");

  Packet mx("m.test.", LDNS_RR_TYPE_MX);
  mx.answer("m.test. 60 IN MX 5 Mail.M.Test.");
  auto rm = parse_dns_answer(mx.wire(), "m.test", RrType::MX);
  ASSERT_TRUE(rm);
  EXPECT_EQ(rm->result.records.at(0).preference, 5);
  EXPECT_EQ(rm->result.records.at(0).text, "mail.m.test");

  Packet six("s.test.", LDNS_RR_TYPE_AAAA);
  six.answer("s.test. 60 IN AAAA 2001:DB8:0:0::1");
  auto r6 = parse_dns_answer(six.wire(), "s.test", RrType::AAAA);
  ASSERT_TRUE(r6);
  EXPECT_EQ(r6->result.records.at(0).text, "2001:db8::1");
}

TEST(Answer, TlsaAndTheAdBit) {
  Packet t("_25._tcp.mx.test.", LDNS_RR_TYPE_TLSA);
  t.answer("_25._tcp.mx.test. 60 IN TLSA 3 1 1 ABCDEF0123").answer("_25._tcp.mx.test. 60 IN TLSA 2 0 2 00ff");
  auto r = parse_dns_answer(t.wire(), "_25._tcp.mx.test", RrType::TLSA);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->result.records.size(), 2u);
  EXPECT_EQ(r->result.records[0].text, "3 1 1 abcdef0123");
  EXPECT_EQ(r->result.records[1].text, "2 0 2 00ff");
  EXPECT_FALSE(r->result.authenticated);
  ldns_pkt_set_ad(t.p, true);
  auto ad = parse_dns_answer(t.wire(), "_25._tcp.mx.test", RrType::TLSA);
  ASSERT_TRUE(ad);
  EXPECT_TRUE(ad->result.authenticated);
}

TEST(Answer, IgnoresRecordsOfOtherNamesAndTypes) {
  Packet a("www.example.test.", LDNS_RR_TYPE_A);
  a.answer("other.example.test. 60 IN A 192.0.2.66").answer("www.example.test. 60 IN TXT \"x\"");
  auto r = parse_dns_answer(a.wire(), "www.example.test", RrType::A);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.status, DnsStatus::nodata);
  EXPECT_TRUE(r->result.records.empty());
}

TEST(Answer, RejectsOtherQuestionsAndNonResponses) {
  Packet a("www.example.test.", LDNS_RR_TYPE_A);
  a.answer("www.example.test. 60 IN A 192.0.2.1");
  EXPECT_FALSE(parse_dns_answer(a.wire(), "other.example.test", RrType::A));
  EXPECT_FALSE(parse_dns_answer(a.wire(), "www.example.test", RrType::AAAA));
  ldns_pkt_set_qr(a.p, false);
  EXPECT_FALSE(parse_dns_answer(a.wire(), "www.example.test", RrType::A));
  std::vector<uint8_t> shortmsg{0, 77, 0x81};
  EXPECT_FALSE(parse_dns_answer(shortmsg, "www.example.test", RrType::A));
  EXPECT_FALSE(parse_dns_answer({}, "www.example.test", RrType::A));
}

TEST(Answer, CnameChainAndDanglingTarget) {
  Packet a("a.test.", LDNS_RR_TYPE_A);
  a.answer("a.test. 60 IN CNAME b.test.")
      .answer("b.test. 20 IN CNAME C.test.")
      .answer("c.test. 90 IN A 192.0.2.3");
  auto r = parse_dns_answer(a.wire(), "a.test", RrType::A);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.records.at(0).ttl, 20u);  // capped by the shortest CNAME TTL
  EXPECT_EQ(r->result.status, DnsStatus::answer);
  EXPECT_EQ(r->result.canonical_name, "c.test");
  EXPECT_TRUE(r->cname_target.empty());

  Packet d("a.test.", LDNS_RR_TYPE_A);
  d.answer("a.test. 60 IN CNAME elsewhere.test.");
  auto rd = parse_dns_answer(d.wire(), "a.test", RrType::A);
  ASSERT_TRUE(rd);
  EXPECT_EQ(rd->cname_target, "elsewhere.test");  // the resolver asks again

  // Asking for the CNAME itself returns it, not its target.
  Packet c("a.test.", LDNS_RR_TYPE_CNAME);
  c.answer("a.test. 60 IN CNAME b.test.");
  auto rc = parse_dns_answer(c.wire(), "a.test", RrType::CNAME);
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->result.records.at(0).text, "b.test");
}

TEST(Answer, CnameChainLimit) {
  Packet a("c0.test.", LDNS_RR_TYPE_A);
  for (size_t i = 0; i <= kMaxCnameChain + 1; ++i) {
    a.answer("c" + std::to_string(i) + ".test. 60 IN CNAME c" + std::to_string(i + 1) + ".test.");
  }
  a.answer("c" + std::to_string(kMaxCnameChain + 2) + ".test. 60 IN A 192.0.2.1");
  auto r = parse_dns_answer(a.wire(), "c0.test", RrType::A);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.status, DnsStatus::error);
  EXPECT_TRUE(r->result.records.empty());
}

TEST(Answer, NegativeTtlIsMinOfSoaTtlAndMinimum) {
  Packet nx("n.test.", LDNS_RR_TYPE_A);
  ldns_pkt_set_rcode(nx.p, LDNS_RCODE_NXDOMAIN);
  nx.authority("test. 900 IN SOA ns.test. root.test. 1 3600 600 86400 300");
  auto r = parse_dns_answer(nx.wire(), "n.test", RrType::A);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.status, DnsStatus::nxdomain);
  EXPECT_EQ(r->result.negative_ttl, 300u);

  Packet nd("n.test.", LDNS_RR_TYPE_A);
  nd.authority("test. 45 IN SOA ns.test. root.test. 1 3600 600 86400 300");
  auto r2 = parse_dns_answer(nd.wire(), "n.test", RrType::A);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->result.status, DnsStatus::nodata);
  EXPECT_EQ(r2->result.negative_ttl, 45u);

  Packet viacname("n.test.", LDNS_RR_TYPE_A);
  ldns_pkt_set_rcode(viacname.p, LDNS_RCODE_NXDOMAIN);
  viacname.answer("n.test. 10 IN CNAME gone.test.");
  viacname.authority("test. 900 IN SOA ns.test. root.test. 1 3600 600 86400 300");
  auto r4 = parse_dns_answer(viacname.wire(), "n.test", RrType::A);
  ASSERT_TRUE(r4);
  EXPECT_EQ(r4->result.status, DnsStatus::nxdomain);
  EXPECT_EQ(r4->result.canonical_name, "gone.test");
  EXPECT_EQ(r4->result.negative_ttl, 10u);

  Packet bare("n.test.", LDNS_RR_TYPE_A);
  ldns_pkt_set_rcode(bare.p, LDNS_RCODE_NXDOMAIN);
  auto r3 = parse_dns_answer(bare.wire(), "n.test", RrType::A);
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->result.status, DnsStatus::nxdomain);
  EXPECT_EQ(r3->result.negative_ttl, 0u);  // no SOA: not cacheable
}

TEST(Answer, RcodesAndFlags) {
  for (auto [rcode, status] :
       std::initializer_list<std::pair<ldns_pkt_rcode, DnsStatus>>{{LDNS_RCODE_SERVFAIL, DnsStatus::servfail},
                                                                   {LDNS_RCODE_REFUSED, DnsStatus::error},
                                                                   {LDNS_RCODE_FORMERR, DnsStatus::error},
                                                                   {LDNS_RCODE_NOTIMPL, DnsStatus::error}}) {
    Packet p("x.test.", LDNS_RR_TYPE_A);
    ldns_pkt_set_rcode(p.p, rcode);
    auto r = parse_dns_answer(p.wire(), "x.test", RrType::A);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result.status, status) << int(rcode);
    EXPECT_FALSE(r->result.detail.empty());
  }
  Packet tc("x.test.", LDNS_RR_TYPE_A);
  ldns_pkt_set_tc(tc.p, true);
  ldns_pkt_set_ad(tc.p, true);
  auto r = parse_dns_answer(tc.wire(), "x.test", RrType::A);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->truncated);
  EXPECT_TRUE(r->result.authenticated);
}

TEST(Answer, RecordCountIsCapped) {
  Packet a("many.test.", LDNS_RR_TYPE_A);
  for (size_t i = 0; i < kMaxAnswerRecords + 10; ++i) {
    a.answer("many.test. 60 IN A 10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
  }
  auto r = parse_dns_answer(a.wire(), "many.test", RrType::A);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.records.size(), kMaxAnswerRecords);
}

TEST(Answer, MalformedRdataIsAnError) {
  Packet a("x.test.", LDNS_RR_TYPE_A);
  a.answer("x.test. 60 IN A 192.0.2.1");
  auto w = a.wire();
  // Shrink the A record's RDLENGTH from 4 to 3 and drop a byte: a 3-byte address.
  ASSERT_GE(w.size(), 6u);
  w[w.size() - 5] = 3;
  w.pop_back();
  auto r = parse_dns_answer(w, "x.test", RrType::A);
  if (r) {
    EXPECT_EQ(r->result.status, DnsStatus::error);
    EXPECT_TRUE(r->result.records.empty());
  }
}

TEST(Answer, NamesWithEscapedCharactersMatchTheirQuestion) {
  Packet a("user\\@x.test.", LDNS_RR_TYPE_A);
  a.answer("user\\@x.test. 60 IN A 192.0.2.8");
  auto r = parse_dns_answer(a.wire(), "User@x.test", RrType::A);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->result.status, DnsStatus::answer);
  EXPECT_EQ(r->result.records.at(0).text, "192.0.2.8");
  EXPECT_FALSE(parse_dns_answer(a.wire(), "user.x.test", RrType::A));
  EXPECT_FALSE(parse_dns_answer(a.wire(), std::string(70, 'a') + ".test", RrType::A));
}

TEST(Answer, NormaliseName) {
  EXPECT_EQ(normalise_dns_name("WWW.Example.TEST."), "www.example.test");
  EXPECT_EQ(normalise_dns_name("."), "");
  EXPECT_EQ(normalise_dns_name("a"), "a");
}

}  // namespace
}  // namespace postern
