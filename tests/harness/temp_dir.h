// TempDir: a fresh directory under $TMPDIR (or /tmp) made with mkdtemp, removed with everything in
// it when the object dies. Tests never use fixed /tmp paths.
#pragma once

#include <filesystem>
#include <string>

namespace postern::test {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "postern");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }
  // Writes content to path()/rel (creating parent directories) and returns the full path.
  std::filesystem::path write(const std::string& rel, const std::string& content) const;
  // Keeps the directory after the test (set POSTERN_KEEP_TMP=1 to keep all of them).
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace postern::test
