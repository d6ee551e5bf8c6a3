// The end-to-end suites normally run the programs this build tree made. With
// POSTERN_TEST_INSTALLED=1 in the environment (tools/package-test.sh sets it after dpkg -i) they
// run the installed package instead: Process and run_command replace a path to one of Postern's
// own programs by /usr/sbin/NAME, and DovecotInstance loads the passdb module from Dovecot's own
// module directory instead of mounting the built one over it. A program or module missing from
// the installation is an error (std::runtime_error), never a silent fall-back to the build tree.
#pragma once

#include <string>

namespace postern::test {

bool testing_installed();
// path itself, or, when testing_installed() and path names one of Postern's installed programs
// (postern-milter, postern-policyd, posternctl, postern-milter-client), /usr/sbin/NAME.
std::string installed_or_built(const std::string& path);
// Where the installed passdb module must be (checked when testing_installed()).
inline constexpr const char* kInstalledAuthModule = "/usr/lib/dovecot/modules/auth/libauthdb_postern.so";

}  // namespace postern::test
