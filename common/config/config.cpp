// Implements parse_config / load_config: every section of kConfigSections read through a
// SectionReader by its area's reader, unknown sections and keys reported, the effective
// configuration rendered. Contract in config.h.
#include "common/config/config.h"

#include <memory>

#include "common/config/node.h"
#include "common/core/file_read.h"

namespace postern {
namespace {

// Applies an area's reader to one member of the Config: each row of the table is one of these.
template <auto Member, auto Read>
void read_member(SectionReader& r, Config& c) {
  Read(r, c.*Member);
}

constexpr ConfigSection kConfigSections[] = {
    {"log", read_member<&Config::log, read_log_config>},
    {"dns", read_member<&Config::dns, read_dns_config>},
    {"store", read_member<&Config::store, read_store_config>},
    {"milter", read_member<&Config::milter, read_milter_config>},
    {"sender", read_member<&Config::sender, read_sender_config>},
    {"policyd", read_member<&Config::policyd, read_policyd_config>},
    {"auth", read_member<&Config::auth, read_auth_config>},
    {"account_guard", read_member<&Config::account_guard, read_guard_config>},
    {"dmarc", read_member<&Config::dmarc, read_dmarc_config>},
    {"dkim", read_member<&Config::dkim, read_dkim_config>},
    {"spf", read_member<&Config::spf, read_spf_config>},
};

}  // namespace

std::span<const ConfigSection> config_sections() { return kConfigSections; }

ConfigLoad parse_config(std::string_view text, const std::string& name) {
  ConfigLoad out;
  out.config.path = name;
  auto ctx = std::make_shared<ReaderContext>();
  ctx->file = name;
  ConfigNode root = parse_toml(text, *ctx);
  if (ctx->errors.empty()) {
    SectionReader top(ctx, &root, "");
    for (const ConfigSection& section : config_sections()) {
      SectionReader r = top.table(section.name);
      section.read(r, out.config);
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
