// README.md and docs/*.md: every relative link ([text](path) or [ref]: path) names a file or
// directory of the repository that exists, and a #fragment names a heading of the target Markdown
// file (GitHub's anchor rules). Links with a scheme (https:, mailto:) are not followed; code
// blocks are skipped. Reads the source tree (POSTERN_SOURCE_DIR) only.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace postern {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = POSTERN_SOURCE_DIR;

std::vector<std::string> lines_outside_code(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  std::string line;
  bool fenced = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      fenced = !fenced;
      continue;
    }
    out.push_back(fenced ? "" : line);
  }
  return out;
}

// GitHub's anchor of a heading: lower case, punctuation other than '-' and '_' dropped, spaces
// to '-'.
std::string anchor_of(const std::string& heading) {
  std::string out;
  for (unsigned char c : heading) {
    if (std::isalnum(c) || c == '-' || c == '_')
      out += static_cast<char>(std::tolower(c));
    else if (c == ' ')
      out += '-';
  }
  return out;
}

std::set<std::string> anchors_of(const fs::path& md) {
  std::set<std::string> out;
  static const std::regex heading(R"(^#{1,6}\s+(.*?)\s*$)");
  std::smatch m;
  for (const auto& line : lines_outside_code(md)) {
    if (std::regex_match(line, m, heading)) out.insert(anchor_of(m[1]));
  }
  return out;
}

std::vector<fs::path> documents() {
  std::vector<fs::path> out = {kRoot / "README.md"};
  for (const auto& e : fs::directory_iterator(kRoot / "docs")) {
    if (e.path().extension() == ".md") out.push_back(e.path());
  }
  return out;
}

TEST(DocsLinks, EveryRelativeLinkResolves) {
  static const std::regex inline_link(R"(\]\(([^)\s]+)\))");
  static const std::regex reference(R"(^\[[^\]]+\]:\s+(\S+))");
  size_t checked = 0;
  for (const auto& doc : documents()) {
    const auto lines = lines_outside_code(doc);
    for (size_t n = 0; n < lines.size(); ++n) {
      std::vector<std::string> targets;
      for (std::sregex_iterator it(lines[n].begin(), lines[n].end(), inline_link), end; it != end; ++it)
        targets.push_back((*it)[1]);
      std::smatch m;
      if (std::regex_search(lines[n], m, reference)) targets.push_back(m[1]);
      for (const auto& target : targets) {
        if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0) continue;
        const std::string where = doc.filename().string() + ":" + std::to_string(n + 1) + ": " + target;
        size_t hash = target.find('#');
        std::string file = target.substr(0, hash);
        std::string fragment = hash == std::string::npos ? "" : target.substr(hash + 1);
        fs::path resolved = file.empty() ? doc : fs::weakly_canonical(doc.parent_path() / file);
        ++checked;
        EXPECT_TRUE(fs::exists(resolved)) << where << ": no such file in the repository";
        EXPECT_EQ(resolved.string().rfind(fs::weakly_canonical(kRoot).string(), 0), 0u)
            << where << ": points outside the repository";
        if (!fragment.empty() && resolved.extension() == ".md" && fs::exists(resolved)) {
          EXPECT_TRUE(anchors_of(resolved).count(fragment)) << where << ": no heading with that anchor";
        }
      }
    }
  }
  EXPECT_GT(checked, 10u);
}

}  // namespace
}  // namespace postern
