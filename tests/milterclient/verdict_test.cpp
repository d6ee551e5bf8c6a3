// The printed verdict: action line first, then one escaped line per modification.
#include "tools/milterclient/verdict.h"

#include <gtest/gtest.h>

namespace postern::mta {
namespace {

using Lines = std::vector<std::string>;

TEST(MilterVerdict, ActionLines) {
  Verdict v;
  EXPECT_EQ(format_verdict(v), Lines{"accept"});
  v.action = Action::reject;
  EXPECT_EQ(format_verdict(v), Lines{"reject"});
  v.reply = "553 5.7.1 Sender address <ceo@example.org> is not owned by user alice@example.org";
  EXPECT_EQ(format_verdict(v)[0],
            "reject 553 5.7.1 Sender address <ceo@example.org> is not owned by user alice@example.org");
  v.action = Action::tempfail;
  v.reply = "451 4.7.1 try later";
  EXPECT_EQ(format_verdict(v)[0], "tempfail 451 4.7.1 try later");
  v.action = Action::discard;
  EXPECT_EQ(format_verdict(v)[0], "discard");
  Verdict q;
  q.quarantined = true;
  q.quarantine_reason = "held for review";
  EXPECT_EQ(format_verdict(q)[0], "quarantine held for review");
  EXPECT_EQ(action_keyword(q), "quarantine");
}

TEST(MilterVerdict, ModificationLines) {
  Verdict v;
  v.rejected_rcpts = {"x@example.org: 550 5.1.1 unknown"};
  v.modifications = {
      {ReplyType::add_header, 0, "X-Spam", " yes", ""},
      {ReplyType::add_header, 0, "X-Other", "no-space", ""},
      {ReplyType::insert_header, 0, "DKIM-Signature", "v=1; d=example.org;\r\n\ts=sel", ""},
      {ReplyType::change_header, 2, "Subject", "new subject", ""},
      {ReplyType::change_header, 1, "X-Old", "", ""},
      {ReplyType::add_rcpt, 0, "", "<new@example.org>", ""},
      {ReplyType::add_rcpt_par, 0, "", "<p@example.org>", "NOTIFY=NEVER"},
      {ReplyType::del_rcpt, 0, "", "<old@example.org>", ""},
      {ReplyType::change_from, 0, "", "<bounce@example.org>", ""},
      {ReplyType::replace_body, 0, "", "new\r\nbody\r\n", ""},
  };
  Lines want = {"accept",
                "rcpt-reject x@example.org: 550 5.1.1 unknown",
                "add-header X-Spam: yes",
                "add-header X-Other: no-space",
                "insert-header 0 DKIM-Signature: v=1; d=example.org;\\r\\n\ts=sel",
                "change-header Subject 2: new subject",
                "delete-header X-Old 1",
                "add-rcpt <new@example.org>",
                "add-rcpt <p@example.org> NOTIFY=NEVER",
                "delete-rcpt <old@example.org>",
                "change-from <bounce@example.org>",
                "replace-body 11 bytes"};
  EXPECT_EQ(format_verdict(v), want);
}

TEST(MilterVerdict, UntrustedValuesStayOnOneLine) {
  EXPECT_EQ(escape_value("a\nb\rc\\d\x01\x7f\te"), "a\\nb\\rc\\\\d\\x01\\x7f\te");
  Verdict v;
  v.modifications = {{ReplyType::add_header, 0, "X\nInjected", "v\nreject 550", ""}};
  auto lines = format_verdict(v);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "add-header X\\nInjected: v\\nreject 550");
}

}  // namespace
}  // namespace postern::mta
