// The milter's process-wide state. libmilter calls plain C callbacks without a user pointer, so
// the one App of the process is reached through milter_app(), set once in main() before
// smfi_main() and never changed after: the only global in Postern, forced by libmilter's API.
#pragma once

#include <memory>

#include "common/config/config.h"
#include "common/log/log.h"
#include "common/sender/provider.h"

struct smfiDesc;

namespace postern {

struct App {
  Config config;
  std::shared_ptr<Logger> log;
  std::unique_ptr<OwnershipProvider> owners;  // null when [sender].enabled = false
  SystemClock clock;
};

App& milter_app();
void set_milter_app(App* app);
smfiDesc* milter_description();

}  // namespace postern
