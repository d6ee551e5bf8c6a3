// postern-milter-client: the MTA side of the milter protocol on the command line. Replays RFC 5322
// message files through a milter (or, with --milter given several times, through each milter in
// turn as Postfix runs smtpd_milters, each seeing the previous one's modifications) and prints what it
// decided (action line first, then one line per modification), or with --connections/--count runs many
// messages over concurrent connections and prints a benchmark summary. Arguments come from the operator; the
// milter's replies are untrusted and handled by tools/milterclient. Exit codes: 0 ran (whatever the
// verdict), 1 protocol or connection error, 64 usage error. See docs/milter-client.md.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/core/file_read.h"
#include "common/core/mutex.h"
#include "tools/milterclient/chain.h"
#include "tools/milterclient/milter_spec.h"
#include "tools/milterclient/session.h"

namespace pm = postern::mta;
using postern::Mutex;
using postern::MutexLock;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 64;

constexpr const char* kUsage =
    "usage: postern-milter-client --milter SPEC [--milter SPEC ...] [--macro STAGE:NAME=VALUE ...] "
    "[--client-ip IP]\n"
    "         [--client-port N] [--client-name NAME] [--helo NAME] [--from ADDR] [--rcpt ADDR ...]\n"
    "         [--chunk N] [--connections N] [--count N] [--timeout SECONDS]\n"
    "         [--message-timeout SECONDS] [--tally TEXT ...] [--print-negotiation] MESSAGE_FILE...\n"
    "  SPEC: unix:/path, local:/path, inet:HOST:PORT, inet:PORT@HOST, inet6:PORT@HOST\n"
    "  STAGE: connect, helo, mail, rcpt, data, eoh, eom\n";

struct Args {
  pm::ClientOptions options;
  std::vector<postern::SocketSpec> milters;  // in chain order
  std::vector<std::string> tallies;          // --tally: count verdicts whose printed form contains it
  pm::Envelope envelope;
  std::vector<std::string> files;
  int connections = 0;
  long count = 0;
  bool bench = false;
  bool print_negotiation = false;
};

struct UsageError {
  std::string message;
};

bool stage_command(std::string_view name, char& out) {
  static const std::map<std::string_view, char> kStages = {
      {"connect", pm::cmd::connect}, {"helo", pm::cmd::helo}, {"mail", pm::cmd::mail},
      {"rcpt", pm::cmd::rcpt},       {"data", pm::cmd::data}, {"eoh", pm::cmd::eoh},
      {"eom", pm::cmd::eob}};
  auto it = kStages.find(name);
  if (it == kStages.end()) return false;
  out = it->second;
  return true;
}

long number(const std::string& opt, const std::string& text, long lo, long hi) {
  long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < lo || v > hi) {
    throw UsageError{opt + " needs a number from " + std::to_string(lo) + " to " + std::to_string(hi)};
  }
  return v;
}

Args parse_args(int argc, char** argv) {
  Args a;
  a.envelope.from = "sender@example.org";
  bool have_milter = false, have_rcpt = false;
  for (int i = 1; i < argc; ++i) {
    std::string opt = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError{opt + " needs a value"};
      return argv[++i];
    };
    if (opt == "--milter") {
      auto s = pm::parse_milter_spec(value());
      if (!s) throw UsageError{"--milter: " + s.error().message};
      if (a.milters.size() >= pm::kMaxChainMilters) {
        throw UsageError{"at most " + std::to_string(pm::kMaxChainMilters) + " --milter options"};
      }
      a.milters.push_back(*s);
      have_milter = true;
    } else if (opt == "--macro") {
      std::string m = value();
      size_t colon = m.find(':'), eq = m.find('=');
      char stage = 0;
      if (colon == std::string::npos || eq == std::string::npos || eq < colon || eq == colon + 1 ||
          !stage_command(std::string_view(m).substr(0, colon), stage)) {
        throw UsageError{
            "--macro needs STAGE:NAME=VALUE with STAGE one of connect, helo, mail, rcpt, "
            "data, eoh, eom"};
      }
      auto& list = a.envelope.macros[stage];
      std::string name = m.substr(colon + 1, eq - colon - 1), val = m.substr(eq + 1);
      auto same = std::find_if(list.begin(), list.end(), [&](const auto& kv) { return kv.first == name; });
      if (same != list.end()) {
        same->second = val;
      } else {
        list.emplace_back(name, val);
      }
    } else if (opt == "--client-ip") {
      a.envelope.client_ip = value();
    } else if (opt == "--client-port") {
      a.envelope.client_port = static_cast<uint16_t>(number(opt, value(), 0, 65535));
    } else if (opt == "--client-name") {
      a.envelope.client_name = value();
    } else if (opt == "--helo") {
      a.envelope.helo = value();
    } else if (opt == "--from") {
      a.envelope.from = value();
    } else if (opt == "--rcpt") {
      a.envelope.rcpts.push_back(value());
      have_rcpt = true;
    } else if (opt == "--chunk") {
      a.options.chunk_size = static_cast<size_t>(number(opt, value(), 1, pm::kMaxBodyChunk));
    } else if (opt == "--connections") {
      a.connections = static_cast<int>(number(opt, value(), 1, 1024));
      a.bench = true;
    } else if (opt == "--count") {
      a.count = number(opt, value(), 1, 100000000);
      a.bench = true;
    } else if (opt == "--timeout") {
      a.options.read_timeout = std::chrono::seconds(number(opt, value(), 1, 3600));
    } else if (opt == "--message-timeout") {
      a.options.message_timeout = std::chrono::seconds(number(opt, value(), 1, 86400));
    } else if (opt == "--tally") {
      a.tallies.push_back(value());
      if (a.tallies.back().empty()) throw UsageError{"--tally needs a non-empty text"};
    } else if (opt == "--print-negotiation") {
      a.print_negotiation = true;
    } else if (opt == "--help" || opt == "-h") {
      std::cout << kUsage;
      std::exit(kExitOk);
    } else if (opt.size() > 1 && opt[0] == '-') {
      throw UsageError{"unknown option " + opt};
    } else {
      a.files.push_back(opt);
    }
  }
  if (!have_milter) throw UsageError{"--milter is required"};
  if (a.files.empty()) throw UsageError{"no message file given"};
  if (!have_rcpt) a.envelope.rcpts.push_back("recipient@example.org");
  if (a.bench) {
    if (a.connections == 0) a.connections = 1;
    if (a.count == 0) a.count = static_cast<long>(a.files.size());
  }
  // Defaults an MTA would send; --macro values of the same name win.
  auto add_default = [&](char stage, const std::string& name, const std::string& val) {
    auto& list = a.envelope.macros[stage];
    for (const auto& kv : list) {
      if (kv.first == name) return;
    }
    list.emplace_back(name, val);
  };
  add_default(pm::cmd::connect, "j", "postern-milter-client.invalid");
  add_default(pm::cmd::connect, "{daemon_name}", "postern-milter-client");
  add_default(pm::cmd::connect, "_", a.envelope.client_name + " [" + a.envelope.client_ip + "]");
  a.options.message_timeout = std::max(a.options.message_timeout, a.options.read_timeout);
  return a;
}

// One ClientOptions per milter of the chain, the shared settings copied into each.
std::vector<pm::ClientOptions> chain_options(const Args& a) {
  std::vector<pm::ClientOptions> out;
  for (const auto& m : a.milters) {
    out.push_back(a.options);
    out.back().milter = m;
  }
  return out;
}

std::vector<pm::Message> load_messages(const std::vector<std::string>& files, std::string& error) {
  std::vector<pm::Message> out;
  for (const auto& f : files) {
    auto bytes = postern::read_regular_file(f, pm::kMaxMessageBytes);
    if (!bytes) {
      error = bytes.error().message;
      return {};
    }
    auto m = pm::parse_message(*bytes);
    if (!m) {
      error = f + ": " + m.error().message;
      return {};
    }
    out.push_back(std::move(*m));
  }
  return out;
}

void print_negotiation(const pm::Negotiation& n) {
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s.empty() ? std::string("none") : s;
  };
  std::printf("negotiated version %u\n", n.version);
  std::printf("negotiated actions 0x%x %s\n", n.actions, join(pm::action_names(n.actions)).c_str());
  std::printf("negotiated protocol 0x%x %s\n", n.protocol, join(pm::protocol_names(n.protocol)).c_str());
  static const char* kStage[] = {"connect", "helo", "mail", "rcpt", "data", "eom", "eoh"};
  for (const auto& s : n.symlists) {
    std::printf("negotiated macros %s %s\n", s.stage < 7 ? kStage[s.stage] : std::to_string(s.stage).c_str(),
                pm::escape_value(s.macros).c_str());
  }
}

void print_chain_negotiation(const pm::Chain& chain) {
  const auto& conns = chain.connections();
  for (size_t i = 0; i < conns.size(); ++i) {
    if (conns.size() > 1) std::printf("# milter %zu\n", i + 1);
    print_negotiation(conns[i]->negotiated());
  }
}

int run_single(const Args& a, const std::vector<pm::Message>& messages) {
  const auto options = chain_options(a);
  auto conn = pm::Chain::open(options);
  if (!conn) {
    std::fprintf(stderr, "postern-milter-client: %s\n", conn.error().message.c_str());
    return kExitError;
  }
  if (a.print_negotiation) print_chain_negotiation(**conn);
  for (size_t i = 0; i < messages.size(); ++i) {
    if (!(*conn)->reusable()) {
      (*conn)->quit();
      conn = pm::Chain::open(options);
      if (!conn) {
        std::fprintf(stderr, "postern-milter-client: %s\n", conn.error().message.c_str());
        return kExitError;
      }
    }
    auto v = (*conn)->run(a.envelope, messages[i]);
    if (!v) {
      std::fprintf(stderr, "postern-milter-client: %s: %s\n", a.files[i].c_str(), v.error().message.c_str());
      return kExitError;
    }
    if (messages.size() > 1) std::printf("# %s\n", a.files[i].c_str());
    for (const auto& line : pm::format_verdict(*v)) std::printf("%s\n", line.c_str());
  }
  (*conn)->quit();
  return kExitOk;
}

struct BenchState {
  std::atomic<long> next{0};
  Mutex mu;
  std::vector<double> latencies_ms GUARDED_BY(mu);
  std::map<std::string, long> actions GUARDED_BY(mu);
  std::vector<long> tallies GUARDED_BY(mu);
  long errors GUARDED_BY(mu) = 0;
  std::string first_error GUARDED_BY(mu);
};

void bench_worker(const Args& a, const std::vector<pm::Message>& messages, BenchState& st) {
  const auto options = chain_options(a);
  std::unique_ptr<pm::Chain> conn;
  std::vector<double> lat;
  std::map<std::string, long> actions;
  std::vector<long> tallies(a.tallies.size(), 0);
  long errors = 0;
  std::string first_error;
  int failed_opens = 0;
  for (;;) {
    long i = st.next.fetch_add(1);
    if (i >= a.count) break;
    if (!conn || !conn->reusable()) {
      if (conn) conn->quit();
      auto c = pm::Chain::open(options);
      if (!c) {
        ++errors;
        if (first_error.empty()) first_error = c.error().message;
        if (++failed_opens >= 3) break;  // the milter is gone; leave the rest to the other threads
        continue;
      }
      conn = std::move(*c);
    }
    auto start = std::chrono::steady_clock::now();
    auto v = conn->run(a.envelope, messages[static_cast<size_t>(i) % messages.size()]);
    auto end = std::chrono::steady_clock::now();
    if (!v) {
      ++errors;
      if (first_error.empty()) first_error = v.error().message;
      conn.reset();
      continue;
    }
    lat.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    ++actions[pm::action_keyword(*v)];
    if (!a.tallies.empty()) {
      auto lines = pm::format_verdict(*v);
      for (size_t t = 0; t < a.tallies.size(); ++t) {
        if (std::any_of(lines.begin(), lines.end(),
                        [&](const std::string& l) { return l.find(a.tallies[t]) != std::string::npos; })) {
          ++tallies[t];
        }
      }
    }
  }
  if (conn) conn->quit();
  MutexLock g(st.mu);
  st.latencies_ms.insert(st.latencies_ms.end(), lat.begin(), lat.end());
  for (const auto& [k, n] : actions) st.actions[k] += n;
  for (size_t t = 0; t < tallies.size(); ++t) st.tallies[t] += tallies[t];
  st.errors += errors;
  if (st.first_error.empty()) st.first_error = first_error;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t idx = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<long>(idx), v.end());
  return v[idx];
}

int run_bench(const Args& a, const std::vector<pm::Message>& messages) {
  if (a.print_negotiation) {
    auto c = pm::Chain::open(chain_options(a));
    if (!c) {
      std::fprintf(stderr, "postern-milter-client: %s\n", c.error().message.c_str());
      return kExitError;
    }
    print_chain_negotiation(**c);
    (*c)->quit();
  }
  BenchState st;
  {
    MutexLock lock(st.mu);
    st.tallies.assign(a.tallies.size(), 0);
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < a.connections; ++t)
    threads.emplace_back(bench_worker, std::cref(a), std::cref(messages), std::ref(st));
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MutexLock lock(st.mu);  // the workers have finished; the analysis wants it held all the same
  size_t done = st.latencies_ms.size();
  std::printf("messages %zu\n", done);
  std::printf("connections %d\n", a.connections);
  if (a.milters.size() > 1) std::printf("milters %zu\n", a.milters.size());
  std::printf("seconds %.3f\n", seconds);
  std::printf("messages/s %.1f\n", seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
  std::printf("latency-p50-ms %.3f\n", percentile(st.latencies_ms, 0.50));
  std::printf("latency-p99-ms %.3f\n", percentile(st.latencies_ms, 0.99));
  for (const auto& [k, n] : st.actions) std::printf("%s %ld\n", k.c_str(), n);
  for (size_t t = 0; t < a.tallies.size(); ++t)
    std::printf("tally %s %ld\n", a.tallies[t].c_str(), st.tallies[t]);
  if (st.errors > 0) {
    std::printf("errors %ld\n", st.errors);
    std::fprintf(stderr, "postern-milter-client: %s\n", st.first_error.c_str());
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  try {
    a = parse_args(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "postern-milter-client: %s\n%s", e.message.c_str(), kUsage);
    return kExitUsage;
  }
  std::string error;
  auto messages = load_messages(a.files, error);
  if (messages.empty()) {
    std::fprintf(stderr, "postern-milter-client: %s\n", error.c_str());
    return kExitUsage;
  }
  return a.bench ? run_bench(a, messages) : run_single(a, messages);
}
