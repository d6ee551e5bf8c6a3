// Implements for_each_report_log_line. Contract in log_source.h.
#include "tools/posternctl/dmarc_report/log_source.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/dmarc/report_line.h"

namespace postern {
namespace {

bool rotated_name(const std::string& name, const std::string& base) {
  if (name == base) return true;
  if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0) return false;
  char sep = name[base.size()];
  return sep == '.' || sep == '-';
}

// The "time" of a line without parsing all of it: {"time":DIGITS
bool line_time(std::string_view line, int64_t& t) {
  constexpr std::string_view kPrefix = "{\"time\":";
  if (line.substr(0, kPrefix.size()) != kPrefix) return false;
  size_t i = kPrefix.size();
  int64_t v = 0;
  size_t digits = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9' && digits < 18) {
    v = v * 10 + (line[i++] - '0');
    ++digits;
  }
  if (digits == 0) return false;
  t = v;
  return true;
}

}  // namespace

Result<ReportLogScan> for_each_report_log_line(const std::string& log_path, int64_t begin, int64_t end,
                                               const std::function<void(std::string_view)>& fn) {
  namespace fs = std::filesystem;
  fs::path log(log_path);
  std::string base = log.filename().string();
  fs::path dir = log.parent_path().empty() ? fs::path(".") : log.parent_path();
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return Error::temp(dir.string() + ": " + ec.message());
  struct File {
    std::string path;
    int64_t mtime;
  };
  std::vector<File> files;
  ReportLogScan scan;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (!rotated_name(name, base)) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (st.st_mtime < begin) continue;  // nothing in it was written during the period
    if (files.size() == kMaxReportLogFiles) {
      scan.errors.push_back(dir.string() + ": more than " + std::to_string(kMaxReportLogFiles) +
                            " log files; the oldest were not read");
      break;
    }
    files.push_back({it->path().string(), static_cast<int64_t>(st.st_mtime)});
  }
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.path > b.path;
  });
  std::string buf(kMaxReportLineBytes + 2, '\0');
  for (const auto& f : files) {
    // gzopen reads plain files as they are, and gzip files decompressed.
    gzFile gz = gzopen(f.path.c_str(), "rb");
    if (!gz) {
      scan.errors.push_back(f.path + ": " + std::strerror(errno));
      continue;
    }
    gzbuffer(gz, 128 * 1024);
    scan.files_read.push_back(f.path);
    bool overlong = false;
    while (gzgets(gz, buf.data(), static_cast<int>(buf.size())) != nullptr) {
      std::string_view line(buf.data(), std::strlen(buf.data()));
      bool complete = !line.empty() && line.back() == '\n';
      if (overlong) {  // the rest of a line already skipped
        overlong = !complete;
        continue;
      }
      if (!complete && line.size() + 1 >= buf.size()) {
        ++scan.skipped;
        overlong = true;
        continue;
      }
      int64_t t = 0;
      if (!line_time(line, t)) {
        if (!line.empty() && line != "\n") ++scan.skipped;
        continue;
      }
      if (t < begin || t > end) continue;
      ++scan.lines;
      fn(line);
    }
    int err = 0;
    const char* msg = gzerror(gz, &err);
    if (err != Z_OK && err != Z_BUF_ERROR) scan.errors.push_back(f.path + ": " + (msg ? msg : "read error"));
    if (err == Z_BUF_ERROR) scan.errors.push_back(f.path + ": truncated gzip file; read up to the damage");
    gzclose(gz);
  }
  return scan;
}

}  // namespace postern
