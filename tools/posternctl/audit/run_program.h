// run_program: runs a helper program (postconf, doveconf) with an argument vector (no shell),
// collects its standard output and standard error apart, and kills it at the deadline. Output
// beyond max_bytes per stream is an error, never a silent truncation. Standard input is
// /dev/null. The program is searched in PATH, then in /usr/sbin and /sbin (postconf lives there).
#pragma once

#include <string>
#include <vector>

#include "common/core/deadline.h"
#include "common/core/result.h"

namespace postern::audit {

struct ProgramOutput {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out, err;
};

// An error when the program is missing (permanent: "postconf: not found"), cannot be started,
// runs past the deadline or prints more than max_bytes.
Result<ProgramOutput> run_program(const std::vector<std::string>& argv, Deadline deadline, size_t max_bytes);

}  // namespace postern::audit
