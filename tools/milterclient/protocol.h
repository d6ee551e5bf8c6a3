// Constants of the Sendmail milter wire protocol, version 6, as seen from the MTA side: command
// and reply codes, action flags (what a milter may change) and protocol flags (steps a milter
// does not want, steps it will not answer). Written from the protocol's public description; no
// code here, no input trusted.
#pragma once

#include <cstdint>

namespace postern::mta {

inline constexpr uint32_t kProtocolVersion = 6;

// Commands, MTA -> milter.
namespace cmd {
inline constexpr char abort = 'A';
inline constexpr char body = 'B';
inline constexpr char connect = 'C';
inline constexpr char macro = 'D';
inline constexpr char eob = 'E';
inline constexpr char helo = 'H';
inline constexpr char quit_nc = 'K';
inline constexpr char header = 'L';
inline constexpr char mail = 'M';
inline constexpr char eoh = 'N';
inline constexpr char optneg = 'O';
inline constexpr char quit = 'Q';
inline constexpr char rcpt = 'R';
inline constexpr char data = 'T';
inline constexpr char unknown = 'U';
}  // namespace cmd

// Replies, milter -> MTA.
namespace rep {
inline constexpr char add_rcpt = '+';
inline constexpr char del_rcpt = '-';
inline constexpr char add_rcpt_par = '2';
inline constexpr char shutdown = '4';
inline constexpr char accept = 'a';
inline constexpr char repl_body = 'b';
inline constexpr char cont = 'c';
inline constexpr char discard = 'd';
inline constexpr char chg_from = 'e';
inline constexpr char conn_fail = 'f';
inline constexpr char add_header = 'h';
inline constexpr char ins_header = 'i';
inline constexpr char set_symlist = 'l';
inline constexpr char chg_header = 'm';
inline constexpr char optneg = 'O';
inline constexpr char progress = 'p';
inline constexpr char quarantine = 'q';
inline constexpr char reject = 'r';
inline constexpr char skip = 's';
inline constexpr char tempfail = 't';
inline constexpr char reply_code = 'y';
}  // namespace rep

// Action flags: what the milter may do at end of message.
namespace act {
inline constexpr uint32_t add_headers = 0x01;
inline constexpr uint32_t change_body = 0x02;
inline constexpr uint32_t add_rcpt = 0x04;
inline constexpr uint32_t del_rcpt = 0x08;
inline constexpr uint32_t change_headers = 0x10;
inline constexpr uint32_t quarantine = 0x20;
inline constexpr uint32_t change_from = 0x40;
inline constexpr uint32_t add_rcpt_par = 0x80;
inline constexpr uint32_t set_symlist = 0x100;
inline constexpr uint32_t all = 0x1ff;
}  // namespace act

// Protocol flags: steps the milter does not want (no_*), steps it will not answer (nr_*).
namespace proto {
inline constexpr uint32_t no_connect = 0x01;
inline constexpr uint32_t no_helo = 0x02;
inline constexpr uint32_t no_mail = 0x04;
inline constexpr uint32_t no_rcpt = 0x08;
inline constexpr uint32_t no_body = 0x10;
inline constexpr uint32_t no_headers = 0x20;
inline constexpr uint32_t no_eoh = 0x40;
inline constexpr uint32_t nr_header = 0x80;
inline constexpr uint32_t no_unknown = 0x100;
inline constexpr uint32_t no_data = 0x200;
inline constexpr uint32_t skip = 0x400;
inline constexpr uint32_t rcpt_rej = 0x800;
inline constexpr uint32_t nr_connect = 0x1000;
inline constexpr uint32_t nr_helo = 0x2000;
inline constexpr uint32_t nr_mail = 0x4000;
inline constexpr uint32_t nr_rcpt = 0x8000;
inline constexpr uint32_t nr_data = 0x10000;
inline constexpr uint32_t nr_unknown = 0x20000;
inline constexpr uint32_t nr_eoh = 0x40000;
inline constexpr uint32_t nr_body = 0x80000;
inline constexpr uint32_t header_leading_space = 0x100000;
// Everything this client can do; the larger body chunk sizes (MDS_256K/1M) are not offered, so a
// milter's body replacement chunks stay within kMaxPacketLength.
inline constexpr uint32_t offered = 0x1fffff;
}  // namespace proto

// Largest body chunk the MTA may send without a larger negotiated size.
inline constexpr size_t kMaxBodyChunk = 65535;

}  // namespace postern::mta
