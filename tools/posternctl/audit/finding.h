// A finding of posternctl audit and the report that collects them: each has a stable check id
// (docs/audit.md lists them all), a severity, where it is (a master.cf line and service, a
// dovecot section, a listener), the setting or probe it concerns and its value, what is wrong,
// and the exact change that fixes it. The report prints as text (one finding a line, a summary
// line last) or as JSON ({"findings": [...], "summary": {...}}). Strings from configurations and
// servers have control and non-ASCII bytes masked as \xHH and their length bounded before they are printed.
#pragma once

#include <string>
#include <vector>

#include "common/core/mutex.h"

namespace postern::audit {

enum class Severity { error, warning, info };
const char* severity_name(Severity s);

struct Finding {
  std::string id;
  Severity severity = Severity::info;
  std::string where;
  std::string setting;
  std::string value;
  std::string message;
  std::string fix;
};

class Report {
 public:
  // Thread-safe (the probes run in parallel).
  void add(Finding f);
  std::vector<Finding> findings() const;  // in a stable order: as added, per area
  int errors() const;
  int warnings() const;
  int infos() const;
  std::string text() const;
  std::string json() const;

 private:
  mutable Mutex mu_;
  std::vector<Finding> findings_ GUARDED_BY(mu_);
};

}  // namespace postern::audit
