#include "train/run/run_options.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "autograd/error.h"
#include "autograd/parallel.h"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#endif

namespace attn::train {

namespace {

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// Whole numbers only: "12" yes; "-1", "1.5", "12abc", "" no.
template <class T>
bool parse_whole(const std::string& text, T& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

std::string quote_if_needed(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\"'$\\") == std::string::npos) return arg;
  std::string q = "'";
  for (char c : arg) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

// Creates and removes a small file in `dir`: "" if that worked, else why not.
// (Asking for permission bits would miss a read-only file system, a full
// disk's quota or an ACL; writing is the test that counts.)
std::string probe_write(const std::filesystem::path& dir) {
  static std::atomic<unsigned> counter{0};
#if defined(__unix__) || defined(__APPLE__)
  const std::filesystem::path probe =
      dir / (".attn_write_probe." + std::to_string(::getpid()) + "." + std::to_string(counter++));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return std::strerror(errno);
  const bool wrote = ::write(fd, "x", 1) == 1;
  const int write_errno = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  return wrote ? "" : std::strerror(write_errno);
#else
  const std::filesystem::path probe =
      dir / (".attn_write_probe." + std::to_string(counter++));
  std::FILE* f = std::fopen(probe.string().c_str(), "wb");
  if (f == nullptr) return std::strerror(errno);
  const bool wrote = std::fputc('x', f) != EOF && std::fclose(f) == 0;
  std::error_code ignored;
  std::filesystem::remove(probe, ignored);
  return wrote ? "" : "a test file could not be written";
#endif
}

}  // namespace

std::string RunOptions::command_line() const {
  std::string line = tutorial;
  for (const auto& a : arguments) line.append(" ").append(quote_if_needed(a));
  return line;
}

std::string run_usage(const std::string& tutorial_name, const std::string& description,
                      DataOption data) {
  const bool takes_data = data == DataOption::kAccepted;
  std::string u;
  u += tutorial_name + (description.empty() ? "" : ": " + description) + "\n\n";
  u += "usage: " + tutorial_name +
       " [--quick] [--config FILE.json] [--out DIR] [--seed N] [--threads N]\n" +
       std::string(7 + tutorial_name.size(), ' ') + (takes_data ? " [--data PATH]" : "") +
       " [--help]\n\n";
  u += "  --quick             a short run (well under a minute) that still shows the effect\n";
  u += "  --config FILE.json  hyperparameters as a JSON object, e.g. {\"epochs\": 20};\n";
  u += "                      \"quick\": true there acts like --quick\n";
  u += "  --out DIR           where figures, metrics.json, the checkpoint and index.html go\n";
  u += "                      (default: runs/" + tutorial_name + ")\n";
  u += "  --seed N            random seed, a whole number >= 0 (default: 0)\n";
  u +=
      "  --threads N         worker threads, >= 1 (default: " + std::to_string(hardware_threads()) +
      ", this machine's hardware threads)\n";
  if (takes_data) {
    u += "  --data PATH         real data instead of the data the tutorial generates\n";
  }
  u += "  --help              print this text and exit\n";
  return u;
}

RunOptions parse_run_options(std::span<const std::string> args, std::string tutorial_name,
                             const std::string& description, DataOption data) {
  (void)description;  // only --help shows it, through run_usage
  RunOptions opts;
  opts.tutorial = std::move(tutorial_name);
  opts.arguments.assign(args.begin(), args.end());
  opts.threads = hardware_threads();
  opts.out_dir = std::filesystem::path("runs") / opts.tutorial;
  const std::string see_help = " (run " + opts.tutorial + " --help for the options)";

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline_value = false;
    if (flag.rfind("--", 0) == 0) {
      if (const auto eq = flag.find('='); eq != std::string::npos) {
        value = flag.substr(eq + 1);
        flag = flag.substr(0, eq);
        has_inline_value = true;
      }
    }
    // Flags that take a value: what it should look like, for the messages.
    auto take_value = [&](const char* what) {
      if (has_inline_value) return;
      if (i + 1 >= args.size()) {
        throw Error(flag + " expects " + what + " after it, and none was given" + see_help);
      }
      if (args[i + 1].rfind("--", 0) == 0) {
        throw Error(flag + " expects " + what + ", got the flag " + args[i + 1] + see_help);
      }
      value = args[++i];
    };

    if (flag == "--help" || flag == "-h") {
      opts.help = true;
      return opts;
    } else if (flag == "--quick") {
      if (has_inline_value) {
        throw Error("--quick takes no value, got --quick=" + value + see_help);
      }
      opts.quick = true;
    } else if (flag == "--config") {
      take_value("a JSON file");
      if (value.empty()) throw Error("--config expects a JSON file, got ''" + see_help);
      opts.config_path = value;
    } else if (flag == "--out") {
      take_value("a directory");
      if (value.empty()) throw Error("--out expects a directory, got ''");
      opts.out_dir = value;
    } else if (flag == "--seed") {
      take_value("a whole number >= 0");
      if (!parse_whole(value, opts.seed)) {
        throw Error("--seed expects a whole number >= 0 (e.g. --seed 42), got '" + value + "'");
      }
    } else if (flag == "--threads") {
      take_value("a number of threads >= 1");
      int n = 0;
      if (!parse_whole(value, n) || n < 1) {
        throw Error("--threads expects a whole number >= 1 (this machine has " +
                    std::to_string(hardware_threads()) + "), got '" + value + "'");
      }
      opts.threads = n;
    } else if (flag == "--data") {
      if (data == DataOption::kNotUsed) {
        throw Error(opts.tutorial + ": --data is not used by this tutorial" + see_help);
      }
      take_value("a file or directory");
      if (value.empty()) throw Error("--data expects a path, got ''");
      opts.data_path = value;
    } else if (flag.rfind("-", 0) == 0) {
      throw Error("unknown option '" + args[i] + "'" + see_help);
    } else {
      throw Error("unexpected argument '" + args[i] + "': options start with --" + see_help);
    }
  }

  if (!opts.config_path.empty()) {
    opts.config = Config::load(opts.config_path);
    if (opts.config.get("quick", false)) opts.quick = true;
  }
  if (!opts.data_path.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(opts.data_path, ec)) {
      throw Error("--data '" + opts.data_path.string() + "': no such file or directory");
    }
  }

  std::error_code ec;
  std::filesystem::create_directories(opts.out_dir, ec);
  if (ec || !std::filesystem::is_directory(opts.out_dir)) {
    throw Error("--out: cannot create the directory '" + opts.out_dir.string() +
                "': " + (ec ? ec.message() : "a file of that name is in the way"));
  }
  // A run that cannot save its results should stop now, not after training.
  if (const std::string why = probe_write(opts.out_dir); !why.empty()) {
    throw Error("--out '" + opts.out_dir.string() + "': cannot write files there (" + why +
                "); choose another directory with --out DIR");
  }
  return opts;
}

RunOptions parse_run_options(int argc, char** argv, std::string tutorial_name,
                             std::string description, DataOption data) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  RunOptions opts = parse_run_options(std::span<const std::string>(args), std::move(tutorial_name),
                                      description, data);
  if (opts.help) {
    std::cout << run_usage(opts.tutorial, description, data) << std::flush;
    std::exit(0);
  }
  set_num_threads(opts.threads);
  return opts;
}

}  // namespace attn::train
