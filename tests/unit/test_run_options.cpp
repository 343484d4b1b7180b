// The tutorials' command line and their --config hyperparameters.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "helpers/errors.h"
#include "helpers/temp_dir.h"
#include "train/run/config.h"
#include "train/run/run_options.h"

namespace fs = std::filesystem;
using attn::train::Config;
using attn::train::parse_run_options;
using attn::train::RunOptions;

namespace {

using attn::testing::error_of;
using attn::testing::TempDir;

// 01_test reads real data with --data (test_bad_inputs.cpp has one that does not).
RunOptions parse(std::vector<std::string> args) {
  return parse_run_options(std::span<const std::string>(args), "01_test", "A test tutorial.",
                           attn::train::DataOption::kAccepted);
}

}  // namespace

TEST(RunOptions, DefaultsAndOutDirCreated) {
  TempDir tmp;
  const fs::path out = tmp.path / "nested" / "out";
  const RunOptions o = parse({"--out", out.string()});
  EXPECT_EQ(o.tutorial, "01_test");
  EXPECT_FALSE(o.quick);
  EXPECT_EQ(o.seed, 0u);
  EXPECT_GE(o.threads, 1);
  EXPECT_TRUE(o.data_path.empty());
  EXPECT_TRUE(o.config_path.empty());
  EXPECT_EQ(o.out_dir, out);
  EXPECT_TRUE(fs::is_directory(out));
  EXPECT_FALSE(o.help);
}

TEST(RunOptions, DefaultOutIsRunsSlashTutorial) {
  TempDir tmp;
  const fs::path before = fs::current_path();
  fs::current_path(tmp.path);
  RunOptions o;
  EXPECT_NO_THROW(o = parse({}));
  fs::current_path(before);
  EXPECT_EQ(o.out_dir, fs::path("runs") / "01_test");
  EXPECT_TRUE(fs::is_directory(tmp.path / "runs" / "01_test"));
}

TEST(RunOptions, EveryFlag) {
  TempDir tmp;
  const fs::path cfg = tmp.write("c.json", R"({"epochs": 7})");
  const RunOptions o = parse({"--quick", "--seed", "42", "--threads=3", "--data", tmp.path.string(),
                              "--config", cfg.string(), "--out", (tmp.path / "o").string()});
  EXPECT_TRUE(o.quick);
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.data_path, tmp.path);
  EXPECT_EQ(o.config_path, cfg);
  EXPECT_EQ(o.config.get("epochs", 1), 7);
  EXPECT_EQ(o.command_line().rfind("01_test --quick --seed 42 --threads=3", 0), 0u)
      << o.command_line();
}

TEST(RunOptions, HelpReturnsWithoutCreatingAnything) {
  TempDir tmp;
  const RunOptions o = parse({"--out", (tmp.path / "never").string(), "--help"});
  EXPECT_TRUE(o.help);
  EXPECT_FALSE(fs::exists(tmp.path / "never"));
  const std::string usage = attn::train::run_usage("01_test", "A test tutorial.",
                                                   attn::train::DataOption::kAccepted);
  EXPECT_NE(usage.find("A test tutorial."), std::string::npos);
  for (const char* flag : {"--quick", "--config", "--out", "--seed", "--threads", "--data",
                           "--help", "runs/01_test"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

TEST(RunOptions, BadCommandLinesSayWhatIsWrong) {
  TempDir tmp;
  const std::string out = (tmp.path / "o").string();
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> message_contains;
  };
  const std::vector<Case> cases = {
      {{"--epochs", "3"}, {"unknown option '--epochs'", "--help"}},
      {{"--seed"}, {"--seed expects", "none was given"}},
      {{"--seed", "abc"}, {"--seed", "'abc'"}},
      {{"--seed", "-1"}, {"--seed", "'-1'"}},
      {{"--seed", "1.5"}, {"--seed", "'1.5'"}},
      {{"--seed", "--quick"}, {"--seed expects", "--quick"}},
      {{"--threads", "-2"}, {"--threads", "'-2'", ">= 1"}},
      {{"--threads", "0"}, {"--threads", "'0'"}},
      {{"--quick=yes"}, {"--quick takes no value"}},
      {{"train"}, {"unexpected argument 'train'"}},
      {{"--data", (tmp.path / "missing").string()}, {"--data", "missing", "no such file"}},
      {{"--config", (tmp.path / "absent.json").string()}, {"absent.json", "no such file"}},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.begin(), {"--out", out});
    const std::string msg = error_of([&] { parse(args); });
    ASSERT_FALSE(msg.empty()) << "no error for " << c.args[0];
    for (const auto& piece : c.message_contains) {
      EXPECT_NE(msg.find(piece), std::string::npos) << "'" << piece << "' not in: " << msg;
    }
  }
}

TEST(RunOptions, OutDirBlockedByAFile) {
  TempDir tmp;
  const fs::path file = tmp.write("plain_file", "x");
  const std::string msg = error_of([&] { parse({"--out", file.string()}); });
  EXPECT_NE(msg.find("plain_file"), std::string::npos) << msg;
}

TEST(RunOptions, InvalidJsonNamesFileAndPosition) {
  TempDir tmp;
  const fs::path cfg = tmp.write("bad.json", "{\n  \"epochs\": 10,\n  \"lr\": ,\n}\n");
  const std::string msg = error_of([&] {
    parse({"--out", tmp.path.string(), "--config", cfg.string()});
  });
  EXPECT_NE(msg.find("bad.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
}

TEST(RunOptions, ConfigMustBeAnObject) {
  TempDir tmp;
  const fs::path cfg = tmp.write("list.json", "[1, 2]");
  const std::string msg = error_of([&] {
    parse({"--out", tmp.path.string(), "--config", cfg.string()});
  });
  EXPECT_NE(msg.find("expected a JSON object"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1,2]"), std::string::npos) << msg;
}

TEST(RunOptions, QuickFromConfig) {
  TempDir tmp;
  const fs::path cfg = tmp.write("q.json", R"({"quick": true})");
  const RunOptions o = parse({"--out", tmp.path.string(), "--config", cfg.string()});
  EXPECT_TRUE(o.quick);
  EXPECT_NO_THROW(o.config.check_unknown_keys());  // "quick" counts as read
}

TEST(Config, TypedGettersWithDefaults) {
  const Config c(nlohmann::json::parse(R"({"epochs": 12, "lr": 0.5, "whole": 3.0,
      "name": "adam", "clip": false, "dims": [4, 8], "tokens": ["<eos>", "a"]})"),
                 "test.json");
  EXPECT_EQ(c.get("epochs", 1), 12);
  EXPECT_FLOAT_EQ(c.get("lr", 1e-3f), 0.5f);
  EXPECT_DOUBLE_EQ(c.get("epochs", 0.0), 12.0);  // a whole number is also a number
  EXPECT_EQ(c.get("whole", 0), 3);               // 3.0 is a whole number
  EXPECT_EQ(c.get("name", "sgd"), "adam");
  EXPECT_FALSE(c.get("clip", true));
  EXPECT_EQ(c.get("dims", std::vector<int>{}), (std::vector<int>{4, 8}));
  EXPECT_EQ(c.get("tokens", std::vector<std::string>{}), (std::vector<std::string>{"<eos>", "a"}));
  EXPECT_EQ(c.get("missing", 99), 99);
  EXPECT_EQ(c.get<std::int64_t>("big_missing", 1LL << 40), 1LL << 40);
  // Everything read is recorded with the value used, defaults included.
  EXPECT_EQ(c.effective()["epochs"], 12);
  EXPECT_EQ(c.effective()["missing"], 99);
  EXPECT_NO_THROW(c.check_unknown_keys());
}

TEST(Config, WrongTypesNameKeyExpectationAndValue) {
  const Config c(nlohmann::json::parse(
                     R"({"epochs": "ten", "half": 2.5, "huge": 1e12, "flag": 1, "neg": -3,
                         "dims": [1, "x"]})"),
                 "my.json");
  struct Case {
    std::function<void()> get;
    std::vector<std::string> message_contains;
  };
  const std::vector<Case> cases = {
      {[&] { c.get("epochs", 1); }, {"my.json", "\"epochs\"", "whole number", "\"ten\"", "string"}},
      {[&] { c.get("half", 1); }, {"\"half\"", "whole number", "2.5"}},
      {[&] { c.get("huge", 1); }, {"\"huge\"", "whole number"}},
      {[&] { c.get("flag", true); }, {"\"flag\"", "true or false", "1"}},
      {[&] { c.get("neg", 1u); }, {"\"neg\"", "-3"}},
      {[&] { c.get("epochs", 1.0); }, {"\"epochs\"", "a number"}},
      {[&] { c.get("half", "s"); }, {"\"half\"", "a string"}},
      {[&] { c.get("dims", std::vector<int>{}); }, {"dims[1]", "\"x\""}},
      {[&] { c.get("half", std::vector<int>{}); }, {"\"half\"", "a list"}},
  };
  for (const Case& k : cases) {
    const std::string msg = error_of(k.get);
    ASSERT_FALSE(msg.empty()) << "no error for " << k.message_contains[0];
    for (const auto& piece : k.message_contains) {
      EXPECT_NE(msg.find(piece), std::string::npos) << "'" << piece << "' not in: " << msg;
    }
  }
}

TEST(Config, UnknownKeysListedWithSuggestion) {
  const Config c(nlohmann::json::parse(R"({"epoch": 5, "lr": 0.1, "zzz": 1})"), "t.json");
  c.get("epochs", 10);
  c.get("lr", 0.01);
  const std::string msg = error_of([&] { c.check_unknown_keys(); });
  EXPECT_NE(msg.find("\"epoch\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean \"epochs\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"zzz\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("epochs, lr"), std::string::npos) << msg;
  EXPECT_EQ(c.get("epochs", 10), 10);  // the misspelt key did not count
}
