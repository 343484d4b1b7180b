// The progress bar: plain lines every tenth, throttled redraws on a terminal.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "autograd/error.h"
#include "helpers/text.h"
#include "train/run/progress.h"

using attn::testing::count_of;
using attn::train::ProgressBar;
using attn::train::ProgressStyle;

TEST(ProgressBar, PlainPrintsEveryTenthAndTheEnd) {
  std::ostringstream out;
  {
    ProgressBar bar(100, {.label = "train", .style = ProgressStyle::kPlain, .out = &out});
    for (int s = 1; s <= 100; ++s) bar.update(s, 1.0 / s);
    bar.finish();
    bar.finish();  // twice is harmless
  }
  const std::string text = out.str();
  EXPECT_EQ(count_of(text, "\n"), 10u) << text;
  EXPECT_EQ(count_of(text, "\r"), 0u);
  EXPECT_NE(text.find("train  10/100 (10%)  loss 0.1000"), std::string::npos) << text;
  EXPECT_NE(text.find("train 100/100 (100%)  loss 0.0100"), std::string::npos) << text;
  EXPECT_NE(text.find("steps/s"), std::string::npos);
  EXPECT_NE(text.find("left"), std::string::npos);  // time left, before the end
}

TEST(ProgressBar, PlainEarlyStopPrintsTheLastStep) {
  std::ostringstream out;
  ProgressBar bar(100, {.label = "", .style = ProgressStyle::kPlain, .out = &out});
  for (int s = 1; s <= 55; ++s) bar.update(s, 0.5, "acc 0.91");
  bar.finish();
  const std::string text = out.str();
  EXPECT_EQ(count_of(text, "\n"), 6u) << text;
  EXPECT_NE(text.find("55/100 (55%)  loss 0.5000  acc 0.91"), std::string::npos) << text;
}

TEST(ProgressBar, TerminalRedrawsAreThrottled) {
  std::ostringstream out;
  ProgressBar bar(
      1000, {.label = "", .style = ProgressStyle::kTerminal, .out = &out, .min_interval_s = 1e9});
  for (int s = 1; s <= 1000; ++s) bar.update(s, 2.0);
  // The first update draws, then nothing until the last step; finish only ends the line.
  EXPECT_EQ(count_of(out.str(), "\r"), 2u) << out.str();
  bar.finish();
  const std::string text = out.str();
  EXPECT_EQ(count_of(text, "\r"), 2u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("[########################] 1000/1000"), std::string::npos) << text;

  std::ostringstream every;
  ProgressBar fast(
      5, {.label = "", .style = ProgressStyle::kTerminal, .out = &every, .min_interval_s = 0});
  for (int s = 1; s <= 5; ++s) fast.update(s, NAN);
  fast.finish();
  EXPECT_EQ(count_of(every.str(), "\r"), 5u);
  EXPECT_NE(every.str().find("loss nan"), std::string::npos);
}

TEST(ProgressBar, DurationsAndBadTotal) {
  EXPECT_EQ(ProgressBar::format_duration(7), "0:07");
  EXPECT_EQ(ProgressBar::format_duration(65), "1:05");
  EXPECT_EQ(ProgressBar::format_duration(3723), "1:02:03");
  EXPECT_EQ(ProgressBar::format_duration(-1), "-:--");
  EXPECT_THROW(ProgressBar(0), attn::Error);
}
