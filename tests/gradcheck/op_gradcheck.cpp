// The test every table row runs, a double-precision gradcheck, and the registration
// that names each row's test after the row.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

#include "gradcheck/gradcheck_case.h"

namespace attn::testing {

std::vector<Tensor> make_inputs(const GradcheckCase& c) {
  manual_seed(std::hash<std::string>{}(c.name) & 0xffffffff);
  std::vector<Tensor> xs;
  for (const Shape& s : c.shapes) xs.push_back(Tensor::randn(s, /*requires_grad=*/true));
  if (c.prepare) c.prepare(xs);
  return xs;
}

void make_positive(Tensor& t, real lo) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = std::abs(t.data()[i]) + lo;
}
void away_from(Tensor& t, real kink, real gap) {
  for (int64_t i = 0; i < t.numel(); ++i) {
    real& v = t.data()[i];
    if (std::abs(v - kink) < gap) v = kink + (v < kink ? -gap : gap);
  }
}
void distinct_values(Tensor& t) {
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) t.data()[i] = real(((i * 7919) % n) - n / 2) * real(0.1);
}
void integer_values(Tensor& t, int64_t n) {
  Generator g(static_cast<uint64_t>(t.numel()) * 31 + static_cast<uint64_t>(n));
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = real(g.randint(n));
  t.requires_grad_(false);
}

namespace {

// One table row: gradcheck of the row's function at its inputs, in double precision.
class Gradcheck : public ::testing::Test {
 public:
  explicit Gradcheck(GradcheckCase c) : c_(std::move(c)) {}

  void TestBody() override {
    static_assert(sizeof(real) == sizeof(double), "gradient checks need the double build");
    std::vector<Tensor> xs = make_inputs(c_);
    GradcheckResult r = gradcheck(c_.f, xs, c_.options, c_.name);
    EXPECT_TRUE(r.ok) << r.report(xs);
    EXPECT_GT(r.checked, 0) << "nothing was checked for " << c_.name;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3e", r.max_rel_error);
    RecordProperty("max_rel_error", buf);
  }

 private:
  GradcheckCase c_;
};

bool is_identifier(const std::string& name) {
  if (name.empty()) return false;
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
  return true;
}

}  // namespace

int register_gradcheck_table(std::vector<GradcheckCase> rows, const char* file, int line) {
  static std::map<std::string, std::string> taken;  // row name -> the table that has it
  for (GradcheckCase& c : rows) {
    const std::string where = std::string(file) + ":" + std::to_string(line);
    std::string problem;
    if (!is_identifier(c.name))
      problem = "its name must be letters, digits and _ only (it names the test)";
    else if (auto it = taken.find(c.name); it != taken.end())
      problem = "a row of " + it->second + " has that name already";
    if (!problem.empty()) {
      std::fprintf(stderr, "gradcheck table %s: row \"%s\": %s\n", where.c_str(), c.name.c_str(),
                   problem.c_str());
      std::exit(1);
    }
    taken.emplace(c.name, where);
    const std::string name = c.name;
    ::testing::RegisterTest("Gradcheck", name.c_str(), nullptr, nullptr, file, line,
                            [c = std::move(c)]() -> ::testing::Test* { return new Gradcheck(c); });
  }
  return static_cast<int>(rows.size());
}

}  // namespace attn::testing
