// Implements drop_privileges. Contract in privileges.h.
#include "common/daemon/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace postern {

Result<std::string> drop_privileges(const std::string& user, const std::string& group) {
  if (geteuid() != 0) return std::string("not root: kept uid ") + std::to_string(geteuid());
  passwd* pw = getpwnam(user.c_str());
  if (!pw) return Error::perm("no such user: " + user);
  gid_t gid = pw->pw_gid;
  if (!group.empty()) {
    struct group* gr = getgrnam(group.c_str());
    if (!gr) return Error::perm("no such group: " + group);
    gid = gr->gr_gid;
  }
  uid_t uid = pw->pw_uid;
  if (initgroups(user.c_str(), gid) != 0)
    return Error::perm(std::string("initgroups: ") + std::strerror(errno));
  if (setgid(gid) != 0) return Error::perm(std::string("setgid: ") + std::strerror(errno));
  if (setuid(uid) != 0) return Error::perm(std::string("setuid: ") + std::strerror(errno));
  if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
    return Error::perm("could regain root after dropping privileges");
  return "running as " + user + ":" + (group.empty() ? std::to_string(gid) : group);
}

}  // namespace postern
