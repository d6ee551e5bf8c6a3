// Parsers for what postconf(1) prints, so posternctl audit never reads main.cf itself:
//   parse_postconf_params:   `postconf -c DIR`, `postconf -c DIR -n` and `postconf -c DIR -P`
//                            output, one "name = value" line each ("name =" for an empty value);
//   split_service_param:     a -P name "service/type/parameter" into its three parts;
//   parse_postconf_services: `postconf -c DIR -M` output, one master.cf entry a line (postconf
//                            joins continuation lines; an -o value with spaces is in braces).
// Pure functions. Input is trusted no more than any file: postconf prints what the admin wrote,
// so every line is checked and a malformed one is an error naming its line number. Limits: at most
// kMaxPostconfBytes of text, kMaxPostconfLines lines, names of kMaxPostconfNameBytes, entries with
// at most kMaxServiceFields fields.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::audit {

inline constexpr size_t kMaxPostconfBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxPostconfLines = 20000;
inline constexpr size_t kMaxPostconfNameBytes = 256;
inline constexpr size_t kMaxServiceFields = 512;

struct PostconfParam {
  std::string name;
  std::string value;  // as postconf prints it: unexpanded, leading and trailing blanks removed
};

Result<std::vector<PostconfParam>> parse_postconf_params(std::string_view text);

struct ServiceParamName {
  std::string service;  // "submission", "127.0.0.1:2525"
  std::string type;     // "inet", "unix", "fifo", "pass", "unix-dgram"
  std::string param;    // "smtpd_tls_security_level"
};
// "submission/inet/smtpd_tls_auth_only" -> its parts; an error when a part is missing or empty.
Result<ServiceParamName> split_service_param(std::string_view name);

struct MasterEntry {
  std::string name, type, private_, unpriv, chroot, wakeup, maxproc;
  std::string command;            // "smtpd"
  std::vector<std::string> args;  // after the command, braces kept ("-o", "{a=b c}")
};

Result<std::vector<MasterEntry>> parse_postconf_services(std::string_view text);

}  // namespace postern::audit
