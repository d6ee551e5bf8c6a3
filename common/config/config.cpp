// Implements parse_config / load_config: every section read through a SectionReader, unknown
// sections and keys reported, the effective configuration rendered. Contract in config.h.
#include "common/config/config.h"

#include <memory>

#include "common/config/node.h"
#include "common/core/file_read.h"

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
      auto r = top.table("account_guard");
      read_guard_config(r, out.config.account_guard);
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
  auto text = read_regular_file(path, kMaxConfigBytes);
  if (!text) {
    ConfigLoad out;
    out.config.path = path;
    // The error names the file already; ConfigError puts it in front again.
    std::string message = text.error().message;
    if (message.rfind(path + ": ", 0) == 0) message.erase(0, path.size() + 2);
    out.errors.push_back({path, 0, "", message});
    return out;
  }
  return parse_config(*text, path);
}

}  // namespace postern
