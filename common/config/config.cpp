// Implements parse_config / load_config: every section read through a SectionReader, unknown
// sections and keys reported, the effective configuration rendered. Contract in config.h.
#include "common/config/config.h"

#include <sys/stat.h>

#include <fstream>
#include <memory>

#include "common/config/node.h"

namespace postern {

ConfigLoad parse_config(std::string_view text, const std::string& name) {
  ConfigLoad out;
  out.config.path = name;
  auto ctx = std::make_shared<ReaderContext>();
  ctx->file = name;
  ConfigNode root = parse_toml(text, *ctx);
  if (ctx->errors.empty()) {
    SectionReader top(ctx, &root, "");
    {
      auto r = top.table("log");
      read_log_config(r, out.config.log);
    }
    {
      auto r = top.table("dns");
      read_dns_config(r, out.config.dns);
    }
    {
      auto r = top.table("store");
      read_store_config(r, out.config.store);
    }
    {
      auto r = top.table("milter");
      read_milter_config(r, out.config.milter);
    }
    {
      auto r = top.table("sender");
      read_sender_config(r, out.config.sender);
    }
    {
      auto r = top.table("policyd");
      read_policyd_config(r, out.config.policyd);
    }
    {
      auto r = top.table("auth");
      read_auth_config(r, out.config.auth);
    }
    {
      auto r = top.table("dmarc");
      read_dmarc_config(r, out.config.dmarc);
    }
    {
      auto r = top.table("dkim");
      read_dkim_config(r, out.config.dkim);
    }
    {
      auto r = top.table("spf");
      read_spf_config(r, out.config.spf);
    }
    top.finish();
  }
  out.errors = ctx->errors;
  out.effective = ctx->render();
  return out;
}

ConfigLoad load_config(const std::string& path) {
  struct stat st {};
  auto fail = [&](const std::string& message) {
    ConfigLoad out;
    out.config.path = path;
    out.errors.push_back({path, 0, "", message});
    return out;
  };
  if (::stat(path.c_str(), &st) != 0) return fail("cannot read the config file (does it exist?)");
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  if (static_cast<size_t>(st.st_size) > kMaxConfigBytes) {
    return fail("file is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open the config file (permissions?)");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_config(text, path);
}

}  // namespace postern
