// The habits of DESIGN.md that a machine can check, over the source tree (POSTERN_SOURCE_DIR):
// every source file of the programs opens with its contract (a comment), every "Contract in X"
// names a file that exists (beside the file or from the top of the tree), and every repository
// path a source comment names (common/..., docs/..., tools/... ending in .h, .cpp, .md or .sh)
// exists, so comments do not go stale when code moves. Build directories are skipped.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace postern {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = POSTERN_SOURCE_DIR;

std::vector<fs::path> sources(std::initializer_list<const char*> dirs) {
  std::vector<fs::path> out;
  for (const char* d : dirs) {
    for (auto it = fs::recursive_directory_iterator(kRoot / d); it != fs::recursive_directory_iterator();
         ++it) {
      const std::string name = it->path().filename().string();
      if (it->is_directory() && (name == "build" || name == "corpus" || name.front() == '.')) {
        it.disable_recursion_pending();
        continue;
      }
      const auto ext = it->path().extension();
      if (it->is_regular_file() && (ext == ".cpp" || ext == ".h" || ext == ".c")) out.push_back(it->path());
    }
  }
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string rel(const fs::path& p) { return fs::relative(p, kRoot).string(); }

TEST(SourceContracts, EveryProgramSourceOpensWithAComment) {
  size_t n = 0;
  for (const auto& f : sources({"common", "milter", "policyd", "tools", "dovecot-plugin"})) {
    const std::string text = read(f);
    EXPECT_TRUE(text.rfind("//", 0) == 0 || text.rfind("/*", 0) == 0)
        << rel(f) << " does not open with its contract";
    ++n;
  }
  EXPECT_GT(n, 100u);
}

TEST(SourceContracts, EveryContractInNamesAFileThatExists) {
  static const std::regex contract(R"(Contract in ([A-Za-z0-9_./-]+\.(h|cpp)))");
  size_t n = 0;
  for (const auto& f : sources({"common", "milter", "policyd", "tools", "dovecot-plugin", "tests"})) {
    const std::string text = read(f);
    for (std::sregex_iterator it(text.begin(), text.end(), contract), end; it != end; ++it) {
      const std::string target = (*it)[1];
      EXPECT_TRUE(fs::exists(f.parent_path() / target) || fs::exists(kRoot / target))
          << rel(f) << ": \"Contract in " << target << "\" names no file";
      ++n;
    }
  }
  EXPECT_GT(n, 50u);
}

TEST(SourceContracts, EveryPathACommentNamesExists) {
  static const std::regex path(
      R"(\b((common|milter|policyd|tools|tests|docs|debian|etc|dovecot-plugin)/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.(h|cpp|md|sh))\b)");
  size_t n = 0;
  for (const auto& f : sources({"common", "milter", "policyd", "tools", "dovecot-plugin", "tests"})) {
    std::istringstream in(read(f));
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
      const size_t c = line.find("//");
      const size_t b = line.find("/*");
      const size_t start = std::min(c, b);
      const std::string comment =
          start != std::string::npos ? line.substr(start) : (line.rfind(" *", 0) == 0 ? line : std::string());
      for (std::sregex_iterator it(comment.begin(), comment.end(), path), end; it != end; ++it) {
        const std::string target = (*it)[1];
        EXPECT_TRUE(fs::exists(kRoot / target))
            << rel(f) << ":" << no << " names " << target << ", which does not exist";
        ++n;
      }
    }
  }
  EXPECT_GT(n, 20u);
}

}  // namespace
}  // namespace postern
