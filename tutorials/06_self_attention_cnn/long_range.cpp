// Tutorial 06, Part 2: where convolution alone cannot reach. Two marks in an image, the same
// colour or not, at a chosen distance apart (data/mark_pairs.h); a CNN whose receptive field
// is smaller than most of the distances, and the same CNN with one self-attention layer
// (models/long_range_cnn.h). Accuracy against distance, and where the attention looks.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <tuple>

#include "autograd/autograd.h"
#include "data/caption_batch.h"
#include "self_attention_cnn.h"
#include "train/optim/adam.h"
#include "train/report/attention_overlay.h"
#include "train/run/scoped_seed.h"
#include "train/run/text_format.h"

using attn::Tensor;
using attn::data::MarkPair;
using attn::train::fmt;

attn::models::LongRangeCnnOptions attention_model_options(const LongRangeSettings& s) {
  return attn::models::LongRangeCnnOptions()
      .in_channels(3)
      .channels(s.channels)
      .head_channels(s.head_channels)
      .self_attention(true);
}

std::string bucket_of(const LongRangeSettings& s, int d) {
  const int lo = s.marks.min_distance + (d - s.marks.min_distance) / s.bucket_width * s.bucket_width;
  const int hi = std::min(lo + s.bucket_width - 1, s.marks.max_distance);
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

namespace {

// The positions of the S' x S' map whose pixel regions overlap a mark with corner (y, x).
std::vector<int> positions_under(const LongRangeSettings& s, int y, int x, int map_h, int map_w) {
  const int S = s.marks.image_size, m = s.marks.mark_size;
  const int cell_h = S / map_h, cell_w = S / map_w;
  std::vector<int> out;
  for (int r = y / cell_h; r <= (y + m - 1) / cell_h; ++r)
    for (int c = x / cell_w; c <= (x + m - 1) / cell_w; ++c) out.push_back(r * map_w + c);
  return out;
}

// The query of a mark: the position its centre pixel falls in.
int query_of(const LongRangeSettings& s, int y, int x, int map_h, int map_w) {
  const int S = s.marks.image_size, half = s.marks.mark_size / 2;
  return attn::train::query_at_pixel(y + half, x + half, S, S, map_h, map_w);
}

char colour_letter(int k) { return "RGBYMC"[k]; }

// The image as text, one character per pixel: the marks by colour letter, speckles '+'.
void print_image(const LongRangeSettings& s, const attn::data::MarkPairSet& set, int64_t i) {
  const int S = s.marks.image_size, m = s.marks.mark_size;
  const MarkPair& p = set.marks[static_cast<size_t>(i)];
  const attn::real* img = set.images.data() + i * 3 * S * S;
  for (int y = 0; y < S; ++y) {
    std::string line = "    ";
    for (int x = 0; x < S; ++x) {
      char ch = '.';
      const attn::real lum = (img[y * S + x] + img[(S + y) * S + x] + img[(2 * S + y) * S + x]) / 3;
      if (lum > 0.8) ch = '+';
      if (y >= p.y1 && y < p.y1 + m && x >= p.x1 && x < p.x1 + m) ch = colour_letter(p.colour1);
      if (y >= p.y2 && y < p.y2 + m && x >= p.x2 && x < p.x2 + m) ch = colour_letter(p.colour2);
      line += ch;
      line += ' ';
    }
    std::cout << line << "\n";
  }
}

// Adam with a short warm-up and a cosine decay; the batches drawn fresh from `batch_seed`,
// so two models given the same seed see the same images in the same order.
attn::train::TrainLog fit(attn::models::LongRangeCnn& model, const std::string& label,
                          const Settings& s, uint64_t batch_seed) {
  const LongRangeSettings& lr = s.long_range;
  model.train();
  attn::optim::Adam opt(model.parameters(), {.lr = lr.lr});
  attn::Generator gen(batch_seed);
  return attn::train::train_loop(
      opt,
      {.steps = lr.steps,
       .clip = 1.0,
       .schedule = attn::train::WarmupCosine{.base_lr = lr.lr,
                                             .warmup_steps = std::min<int64_t>(100, lr.steps / 10),
                                             .total_steps = lr.steps + 1,
                                             .min_lr = lr.lr * 0.05},
       .label = label},
      [&] {
        const auto batch = attn::data::make_mark_pairs(
            lr.marks, attn::data::uniform_distances(lr.marks, s.batch_size, gen), gen);
        return attn::models::LongRangeCnn::loss(model(batch.images).logits, batch.labels);
      });
}

// Held-out accuracy by bucket, and (with attention) every test image's map [N, P, P].
void measure(LongRangeModel& m, const LongRangeSettings& s, const std::vector<std::string>& buckets,
             const attn::data::MarkPairSet& test, Tensor* maps) {
  attn::NoGradGuard no_grad;
  m.model->eval();
  std::map<std::string, std::pair<int64_t, int64_t>> right_of;  // bucket -> (right, images)
  std::vector<Tensor> parts;
  const int64_t n = test.size(), chunk = 250;
  int64_t right = 0;
  for (int64_t start = 0; start < n; start += chunk) {
    std::vector<int64_t> which(static_cast<size_t>(std::min(chunk, n - start)));
    std::iota(which.begin(), which.end(), start);
    const auto out = (*m.model)(attn::data::gather_images(test.images, which), maps != nullptr);
    for (size_t k = 0; k < which.size(); ++k) {
      const int64_t i = which[k];
      const bool said_match = out.logits.data()[k] > 0;
      const bool ok = said_match == test.marks[static_cast<size_t>(i)].match();
      auto& [r, total] = right_of[bucket_of(s, test.marks[static_cast<size_t>(i)].distance)];
      r += ok, ++total, right += ok;
    }
    if (maps) parts.push_back(out.attention);
  }
  for (const std::string& b : buckets) {
    const auto& [r, total] = right_of.at(b);
    m.accuracy_by_bucket[b] = double(r) / double(total);
  }
  m.accuracy = double(right) / double(n);
  if (maps) *maps = attn::concat(parts, 0);
}

// For every test image, the query at each mark: how often its row's largest weight lies on
// the other mark, and how much weight the other and its own mark get.
HitRate hit_rate(const LongRangeSettings& s, const std::vector<std::string>& buckets,
                 const attn::data::MarkPairSet& test, const Tensor& maps, int map_h, int map_w) {
  HitRate h;
  const int64_t P = int64_t{map_h} * map_w;
  std::map<std::string, std::pair<int64_t, int64_t>> by_bucket;
  for (int64_t i = 0; i < test.size(); ++i) {
    const MarkPair& p = test.marks[static_cast<size_t>(i)];
    const attn::real* map = maps.data() + i * P * P;
    for (const bool first : {true, false}) {
      const int qy = first ? p.y1 : p.y2, qx = first ? p.x1 : p.x2;
      const int oy = first ? p.y2 : p.y1, ox = first ? p.x2 : p.x1;
      const int q = query_of(s, qy, qx, map_h, map_w);
      const std::vector<int> other = positions_under(s, oy, ox, map_h, map_w);
      const std::vector<int> own = positions_under(s, qy, qx, map_h, map_w);
      const attn::real* row = map + q * P;  // where q attends
      const int top = static_cast<int>(std::max_element(row, row + P) - row);
      const bool hit = std::find(other.begin(), other.end(), top) != other.end();
      double on_other = 0, on_own = 0;
      for (const int k : other) on_other += row[k];
      for (const int k : own) on_own += row[k];
      h.hit_rate += hit;
      h.hit_either += hit || std::find(own.begin(), own.end(), top) != own.end();
      h.chance += double(other.size()) / double(P);
      h.mass_other += on_other;
      h.mass_own += on_own;
      auto& [hits, total] = by_bucket[bucket_of(s, p.distance)];
      hits += hit, ++total, ++h.queries;
    }
  }
  const double n = double(h.queries);
  h.hit_rate /= n, h.hit_either /= n, h.chance /= n, h.mass_other /= n, h.mass_own /= n;
  h.mass_chance = h.chance;  // uniform attention puts on the other mark the share it covers
  for (const std::string& b : buckets) {
    const auto& [hits, total] = by_bucket.at(b);
    h.hit_rate_by_bucket[b] = double(hits) / double(total);
  }
  return h;
}

}  // namespace

void show_long_range_idea(const LongRangeSettings& s, uint64_t seed) {
  attn::train::ScopedSeed own_draws(seed + 606);  // the experiment's draws stay as they were
  attn::Generator gen(seed + 606);
  // One far pair that does not match, the first of a small set.
  const int d = std::max(s.marks.min_distance, (s.marks.min_distance + s.marks.max_distance) / 2);
  std::vector<int> distances{d, d};
  const auto set = attn::data::make_mark_pairs(s.marks, distances, gen);
  const int64_t i = 1;  // image 1 of a pair set does not match
  const MarkPair& p = set.marks[static_cast<size_t>(i)];
  std::cout << "\nPart 2: where convolution alone cannot reach\n"
            << "one image (" << s.marks.image_size << " x " << s.marks.image_size
            << " RGB; marks " << colour_letter(p.colour1) << " and " << colour_letter(p.colour2)
            << ", d = " << p.distance << " apart; '+' a white speckle): label "
            << (p.match() ? "1 (the same colour)" : "0 (different colours)") << "\n";
  print_image(s, set, i);

  attn::models::LongRangeCnn model(attention_model_options(s));
  model.eval();
  const auto opts = model.options();
  const int64_t r = attn::models::receptive_field(opts);
  const int f = 1 << s.channels.size();
  const int map = s.marks.image_size / f;
  // Windows of the last map: position (a, b) sees rows [f a - pad, f a - pad + r), pad the
  // zero padding the convolutions add up to.
  const int pad = f - 1;
  int both = 0;
  for (int a = 0; a < map; ++a)
    for (int b = 0; b < map; ++b) {
      const int top = f * a - pad, left = f * b - pad;
      auto inside = [&](int y, int x) {
        return y >= top && y + s.marks.mark_size <= top + r && x >= left &&
               x + s.marks.mark_size <= left + r;
      };
      both += inside(p.y1, p.x1) && inside(p.y2, p.x2);
    }
  std::cout << "  the CNN: " << s.channels.size() << " blocks of conv 3x3, ReLU, max pool 2x2 -> a "
            << map << " x " << map << " map; each position sees a window of " << r << " x " << r
            << " pixels (its receptive field).\n  Both marks whole inside one window: " << both
            << " of " << map * map << " positions. The head reads one window at a time and the "
            << "average pool adds them up:\n  the logit is a(mark 1) + a(mark 2), and no sum "
               "of one term per mark says \"same colour\".\n";

  attn::NoGradGuard no_grad;
  const Tensor x = model.features(attn::data::gather_images(set.images, {i}));  // [1, D, h, w]
  const auto [y, beta] = (*model.attention)(x, true);
  double moved = 0;
  for (int64_t k = 0; k < x.numel(); ++k)
    moved = std::max<double>(moved, std::abs(y.data()[k] - x.data()[k]));
  const int q = query_of(s, p.y1, p.x1, map, map);
  const auto other = positions_under(s, p.y2, p.x2, map, map);
  const attn::real* row = beta.data() + q * map * map;
  double on_other = 0;
  for (const int k : other) on_other += row[k];
  std::cout << "  self-attention on that map (untrained): x " << attn::shape_str(x.shape())
            << ", N = " << map * map << " positions, beta " << attn::shape_str(beta.shape())
            << "\n    y = gamma o + x with gamma = " << model.gamma()
            << " at the start: max |y - x| = " << moved
            << " (the layer starts as the identity)\n    row q = " << q
            << " (mark 1's position) of beta, where mark 1 attends; mark 2 covers positions";
  for (const int k : other) std::cout << " " << k;
  std::cout << ", weight " << fmt("%.3f", on_other) << " (uniform: "
            << fmt("%.3f", double(other.size()) / double(map * map)) << "):\n";
  for (int a = 0; a < map; ++a) {
    std::printf("     ");
    for (int b = 0; b < map; ++b) std::printf(" %5.3f", row[a * map + b]);
    std::printf("\n");
  }
  std::cout << "  One step reaches any distance; training has to make mark 1 look at mark 2.\n";
}

LongRangeResults run_long_range(const Settings& set, uint64_t seed) {
  const LongRangeSettings& s = set.long_range;
  LongRangeResults res;
  for (int d = s.marks.min_distance; d <= s.marks.max_distance; ++d)
    if (res.buckets.empty() || res.buckets.back() != bucket_of(s, d))
      res.buckets.push_back(bucket_of(s, d));
  const int f = 1 << s.channels.size();
  res.map_h = res.map_w = s.marks.image_size / f;
  const auto with_attention = attention_model_options(s);
  const auto plain = attn::models::plain_twin(with_attention);
  std::cout << "\nthe models: cnn (head K = " << plain.head_channels() << ", "
            << attn::models::long_range_cnn_parameters(plain)
            << " parameters) and cnn_self_attention (K = " << with_attention.head_channels()
            << ", " << attn::models::long_range_cnn_parameters(with_attention)
            << " parameters); receptive field " << attn::models::receptive_field(plain)
            << " pixels; distances " << s.marks.min_distance << ".." << s.marks.max_distance
            << "; " << s.steps << " Adam steps of " << set.batch_size << " fresh images each\n";

  for (int64_t k = 0; k < s.seeds; ++k) {
    LongRangeRun run;
    run.seed = seed + static_cast<uint64_t>(k);
    attn::Generator test_gen(run.seed * 7919 + 13);
    auto test = attn::data::make_mark_pairs(
        s.marks, attn::data::every_distance(s.marks, s.test_per_distance), test_gen);
    Tensor maps;
    for (const auto& [name, label, opts] :
         {std::tuple{"cnn", "CNN", plain},
          std::tuple{"cnn_self_attention", "CNN + self-attention", with_attention}}) {
      LongRangeModel m;
      m.name = name;
      m.label = label;
      {
        attn::train::ScopedSeed init(run.seed + 1);  // the same first draws for both
        m.model = std::make_unique<attn::models::LongRangeCnn>(opts);
      }
      m.log = fit(*m.model, m.name, set, run.seed * 104729 + 101);
      measure(m, s, res.buckets, test, m.model->attention ? &maps : nullptr);
      run.models.push_back(std::move(m));
    }
    run.hits = hit_rate(s, res.buckets, test, maps, res.map_h, res.map_w);
    run.gamma_final = run.models[1].model->gamma();

    std::cout << "\nseed " << run.seed << ": held-out accuracy by distance (" << test.size()
              << " images, half matching; chance 0.5; the best sum of one term per mark "
              << fmt("%.3f", attn::data::additive_ceiling(s.marks.colours))
              << ")\n  model                  ";
    for (const auto& b : res.buckets) std::printf(" %7s", b.c_str());
    std::printf("     all\n");
    for (const auto& m : run.models) {
      std::printf("  %-22s", m.name.c_str());
      for (const auto& b : res.buckets) std::printf(" %7.3f", m.accuracy_by_bucket.at(b));
      std::printf("   %5.3f\n", m.accuracy);
    }
    const HitRate& h = run.hits;
    std::cout << "  attention hit rate (the query at one mark: its largest weight on the other "
                 "mark): "
              << fmt("%.3f", h.hit_rate) << " (chance " << fmt("%.3f", h.chance) << ", "
              << h.queries << " queries); on either mark " << fmt("%.3f", h.hit_either)
              << "\n  weight on the other mark " << fmt("%.3f", h.mass_other)
              << ", on its own " << fmt("%.3f", h.mass_own) << " (uniform attention: "
              << fmt("%.3f", h.mass_chance) << " on the other); gamma_final "
              << fmt("%.3f", run.gamma_final) << "\n";
    if (k == 0) {
      res.test = std::move(test);
      res.test_attention = {maps};
    }
    res.runs.push_back(std::move(run));
  }
  return res;
}
