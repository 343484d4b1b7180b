// Tutorial 05: training a captioner, and what its captions are worth: BLEU, exact match,
// the attributes it names, where it looked, and the ways it fails.
#include <algorithm>
#include <cmath>
#include <iostream>

#include "autograd/autograd.h"
#include "captioning.h"
#include "train/metrics/attention_correctness.h"
#include "train/metrics/bleu.h"
#include "train/optim/adam.h"
#include "train/run/text_format.h"
#include "train/run/timing.h"

using attn::Tensor;
using attn::data::Scene;
using nlohmann::json;

attn::models::CaptionerOptions captioner_options(const Settings& s, int64_t vocab, bool attention,
                                                 double lambda) {
  return attn::models::CaptionerOptions(vocab)
      .attention(attention)
      .channels(s.channels)
      .embedding_dim(s.embedding_dim)
      .hidden_size(s.hidden_size)
      .attention_dim(s.attention_dim)
      .doubly_stochastic(lambda);
}

void fit(Contender& c, const CaptionData& d, int64_t epochs, const Settings& s, uint64_t seed) {
  c.model->train();
  attn::optim::Adam opt(c.model->parameters(), {.lr = s.lr});
  // The batches come from their own generator: every model given the same seed sees the
  // same captions in the same order.
  attn::Generator gen(seed);
  std::vector<attn::data::CaptionBatch> epoch;
  size_t next = 0;
  const auto n = static_cast<int64_t>(d.examples.size());
  const int64_t per_epoch = (n + s.batch_size - 1) / s.batch_size;
  const int64_t steps = epochs * per_epoch;
  c.cross_entropy.clear();
  c.log = attn::train::train_loop(
      opt,
      {.steps = steps,
       .steps_per_epoch = per_epoch,
       .clip = s.clip,
       .schedule = attn::train::WarmupCosine{.base_lr = s.lr,
                                             .warmup_steps = std::min<int64_t>(100, steps / 10),
                                             .total_steps = steps + 1,
                                             .min_lr = s.lr * 0.05},
       .label = c.name},
      [&] {
        if (next == epoch.size()) {
          epoch = attn::data::make_caption_batches(d.examples, s.batch_size, gen);
          next = 0;
        }
        const attn::data::CaptionBatch& b = epoch[next++];
        const auto parts =
            c.model->loss_parts(attn::data::gather_images(d.train.images, b.images), b);
        c.cross_entropy.push_back(parts.cross_entropy.item());
        return parts.total;
      });
  c.model->eval();
}

namespace {

// A noun phrase of a caption: size and colour words ending in a shape word, e.g. "small red
// circle"; -1 for an attribute it does not name.
struct Phrase {
  size_t first = 0, last = 0;  // its tokens
  int size = -1, colour = -1, shape = -1;
  std::vector<int> fits;  // the scene's objects with every attribute it names
};

int id_of(const std::vector<std::string>& names, const std::string& w) {
  const auto it = std::find(names.begin(), names.end(), w);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

std::vector<Phrase> phrases(const std::vector<std::string>& words, const AttributeWords& aw,
                            const Scene& scene) {
  std::vector<Phrase> out;
  Phrase p;
  bool open = false;
  for (size_t t = 0; t < words.size(); ++t) {
    const int sz = id_of(aw.sizes, words[t]), co = id_of(aw.colours, words[t]);
    const int sh = id_of(aw.shapes, words[t]);
    if (sz >= 0 || co >= 0) {
      if (!open) p = Phrase{}, p.first = t, open = true;
      if (sz >= 0) p.size = sz;
      if (co >= 0) p.colour = co;
      continue;
    }
    if (sh >= 0) {
      if (!open) p = Phrase{}, p.first = t;
      p.last = t;
      p.shape = sh;
      for (size_t k = 0; k < scene.objects.size(); ++k) {
        const auto& o = scene.objects[k];
        if (o.shape == sh && (p.size < 0 || o.size == p.size) &&
            (p.colour < 0 || o.colour == p.colour))
          p.fits.push_back(static_cast<int>(k));
      }
      out.push_back(p);
    }
    open = false;
  }
  return out;
}

// The relation written between the first two phrases, as (d_col, d_row) signs it claims for
// A - B: "left of" says col_A < col_B. {0, 0} when there is none.
std::pair<int, int> relation(const std::vector<std::string>& words, const Phrase& a,
                             const Phrase& b) {
  for (size_t t = a.last + 1; t < b.first; ++t) {
    if (words[t] == "left") return {-1, 0};
    if (words[t] == "right") return {1, 0};
    if (words[t] == "above") return {0, -1};
    if (words[t] == "below") return {0, 1};
  }
  return {0, 0};
}

bool relation_holds(std::pair<int, int> rel, const attn::data::SceneObject& A,
                    const attn::data::SceneObject& B) {
  if (rel.first != 0) return rel.first < 0 ? A.col < B.col : A.col > B.col;
  return rel.second < 0 ? A.row < B.row : A.row > B.row;
}

attn::train::Box box_of(const attn::data::SceneObject& o) {
  return {double(o.box.x0), double(o.box.y0), double(o.box.x1), double(o.box.y1)};
}

double sentence_bleu4(const std::vector<std::vector<std::string>>& refs,
                      const std::vector<std::string>& hyp) {
  return attn::train::corpus_bleu({refs}, {hyp}).bleu[3];
}

// The attention grid of a model on images of split's size.
std::pair<int, int> grid_of(const Contender& c, const CaptionSplit& split) {
  const int f = 1 << c.model->options().channels().size();
  return {static_cast<int>(split.images.size(2)) / f, static_cast<int>(split.images.size(3)) / f};
}

}  // namespace

std::vector<std::string> failure_kinds(const Generated& g, const AttributeWords& words,
                                       const Scene* scene, int grid_h, int grid_w, int image_h,
                                       int image_w) {
  std::vector<std::string> kinds;
  const auto& w = g.words;
  bool repeated = false;
  for (size_t t = 1; t < w.size(); ++t) repeated = repeated || w[t] == w[t - 1];
  if (!g.caption.ended()) kinds.push_back("never_stopped");
  if (!scene) {
    if (repeated) kinds.insert(kinds.begin(), "repeated_word");
    return kinds;
  }
  const std::vector<Phrase> ps = phrases(w, words, *scene);
  for (size_t i = 0; i < ps.size(); ++i)
    for (size_t j = i + 1; j < ps.size(); ++j)
      repeated = repeated || (ps[i].size == ps[j].size && ps[i].colour == ps[j].colour &&
                              ps[i].shape == ps[j].shape);
  if (repeated) kinds.insert(kinds.begin(), "repeated_word");
  if (std::any_of(ps.begin(), ps.end(), [](const Phrase& p) { return p.fits.empty(); }))
    kinds.push_back("absent");
  if (ps.size() >= 2 && ps[0].fits.size() == 1 && ps[1].fits.size() == 1 &&
      ps[0].fits[0] != ps[1].fits[0]) {
    const auto rel = relation(w, ps[0], ps[1]);
    if ((rel.first != 0 || rel.second != 0) &&
        !relation_holds(rel, scene->objects[size_t(ps[0].fits[0])],
                        scene->objects[size_t(ps[1].fits[0])]))
      kinds.push_back("wrong_place");
  }
  if (!g.caption.attention.empty()) {
    for (const Phrase& p : ps) {
      if (p.fits.size() != 1 || p.last >= g.caption.attention.size()) continue;
      const auto& alpha = g.caption.attention[p.last];
      const double own = attn::train::attention_in_box(
          alpha, grid_h, grid_w, image_h, image_w, box_of(scene->objects[size_t(p.fits[0])]));
      bool away = false;
      for (size_t k = 0; k < scene->objects.size(); ++k)
        if (int(k) != p.fits[0])
          away = away || attn::train::attention_in_box(alpha, grid_h, grid_w, image_h, image_w,
                                                       box_of(scene->objects[k])) > own;
      if (away) {
        kinds.push_back("looked_away");
        break;
      }
    }
  }
  return kinds;
}

SplitScores evaluate(const Contender& c, const CaptionData& d, const CaptionSplit& split,
                     const Settings& s) {
  SplitScores out;
  const int64_t N = split.size();
  for (int64_t i0 = 0; i0 < N; i0 += 100) {
    std::vector<int64_t> rows;
    for (int64_t i = i0; i < std::min(N, i0 + 100); ++i) rows.push_back(i);
    const auto caps = c.model->greedy(attn::data::gather_images(split.images, rows), s.max_len);
    for (size_t k = 0; k < caps.size(); ++k) {
      Generated g;
      g.caption = caps[k];
      g.words = d.vocab.decode(g.caption.output());
      const auto& refs = split.refs[static_cast<size_t>(rows[k])];
      g.bleu4 = sentence_bleu4(refs, g.words);
      g.exact = std::find(refs.begin(), refs.end(), g.words) != refs.end();
      out.generated.push_back(std::move(g));
    }
  }
  std::vector<std::vector<std::string>> hyps;
  int64_t exact = 0;
  for (const Generated& g : out.generated) hyps.push_back(g.words), exact += g.exact;
  const auto bleu = attn::train::corpus_bleu(split.refs, hyps);
  out.bleu = bleu.bleu;
  out.exact = static_cast<double>(exact) / static_cast<double>(N);

  // The failures every caption can show, and for scenes the ones that need the objects.
  const auto [gh, gw] = grid_of(c, split);
  const int H = static_cast<int>(split.images.size(2)), W = static_cast<int>(split.images.size(3));
  json failures = {{"captions", N}, {"repeated_word", 0}, {"never_stopped", 0}, {"any", 0}};
  if (split.grounded())
    for (const char* k : {"absent", "wrong_place"}) failures[k] = 0;
  if (split.grounded() && !out.generated.empty() && !out.generated[0].caption.attention.empty())
    failures["looked_away"] = 0;
  for (int64_t i = 0; i < N; ++i) {
    const Scene* scene = split.grounded() ? &split.scenes[size_t(i)] : nullptr;
    const auto kinds = failure_kinds(out.generated[size_t(i)], d.words, scene, gh, gw, H, W);
    for (const auto& k : kinds) failures[k] = failures[k].get<int64_t>() + 1;
    if (!kinds.empty()) failures["any"] = failures["any"].get<int64_t>() + 1;
  }
  out.failures = failures;
  if (!split.grounded()) return out;

  // Per attribute: for every phrase the model wrote, is there an object with its shape; one
  // of that shape with its colour; one of that shape (and colour) with its size; and is the
  // relation between the first two phrases true of the objects they name.
  double right[4] = {0, 0, 0, 0}, named[4] = {0, 0, 0, 0};
  std::vector<attn::train::GroundedAttention> steps;
  for (int64_t i = 0; i < N; ++i) {
    const Scene& scene = split.scenes[size_t(i)];
    const Generated& g = out.generated[size_t(i)];
    const auto ps = phrases(g.words, d.words, scene);
    for (const Phrase& p : ps) {
      std::vector<const attn::data::SceneObject*> same_shape, same_colour;
      for (const auto& o : scene.objects)
        if (o.shape == p.shape) {
          same_shape.push_back(&o);
          if (p.colour < 0 || o.colour == p.colour) same_colour.push_back(&o);
        }
      named[0] += 1, right[0] += !same_shape.empty();
      if (p.colour >= 0)
        named[1] += 1, right[1] += std::any_of(same_shape.begin(), same_shape.end(),
                                               [&](auto* o) { return o->colour == p.colour; });
      if (p.size >= 0)
        named[2] += 1, right[2] += std::any_of(same_colour.begin(), same_colour.end(),
                                               [&](auto* o) { return o->size == p.size; });
      // Attention correctness: every word of a phrase that names one object of the scene.
      if (p.fits.size() == 1 && !g.caption.attention.empty())
        for (size_t t = p.first; t <= p.last && t < g.caption.attention.size(); ++t)
          steps.push_back({g.caption.attention[t], box_of(scene.objects[size_t(p.fits[0])])});
    }
    if (ps.size() >= 2 && ps[0].fits.size() == 1 && ps[1].fits.size() == 1 &&
        ps[0].fits[0] != ps[1].fits[0]) {
      const auto rel = relation(g.words, ps[0], ps[1]);
      if (rel.first != 0 || rel.second != 0)
        named[3] += 1, right[3] += relation_holds(rel, scene.objects[size_t(ps[0].fits[0])],
                                                  scene.objects[size_t(ps[1].fits[0])]);
    }
  }
  const char* names[4] = {"shape", "colour", "size", "place"};
  for (int k = 0; k < 4; ++k)  // null: the model never named that attribute in a checkable way
    out.attributes[names[k]] = named[k] > 0 ? json(right[k] / named[k]) : json();
  out.attributes["phrases"] = named[0];
  out.attributes["relations"] = named[3];
  if (!steps.empty()) {
    const auto ac = attn::train::attention_correctness(steps, gh, gw, H, W);
    out.correctness = {{"score", ac.mean}, {"uniform", ac.uniform_baseline}, {"words", ac.words}};
  }
  // By the number of objects in the scene.
  std::map<int, std::pair<std::vector<std::vector<std::vector<std::string>>>,
                          std::vector<std::vector<std::string>>>>
      groups;
  std::map<int, int64_t> exact_by;
  for (int64_t i = 0; i < N; ++i) {
    const int n = static_cast<int>(split.scenes[size_t(i)].objects.size());
    groups[n].first.push_back(split.refs[size_t(i)]);
    groups[n].second.push_back(out.generated[size_t(i)].words);
    exact_by[n] += out.generated[size_t(i)].exact;
  }
  for (const auto& [n, g] : groups) {
    const auto b = attn::train::corpus_bleu(g.first, g.second);
    out.by_objects[std::to_string(n)] = {
        {"bleu4", b.bleu[3]},
        {"exact", static_cast<double>(exact_by[n]) / static_cast<double>(g.second.size())},
        {"images", g.second.size()}};
  }
  return out;
}

json beam_scores(const Contender& c, const CaptionData& d, const CaptionSplit& split,
                 int64_t images, const Settings& s) {
  const int64_t n = std::min(images, split.size());
  std::vector<std::vector<std::vector<std::string>>> refs;
  std::vector<std::vector<std::string>> beam_hyps, greedy_hyps;
  int64_t beam_exact = 0, greedy_exact = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < n; ++i) {
    const Tensor image = attn::data::gather_images(split.images, {i});
    const auto b = c.model->beam_search(
        image, {.width = s.beam_width, .alpha = s.beam_alpha, .max_len = s.max_len});
    const auto& r = split.refs[size_t(i)];
    refs.push_back(r);
    beam_hyps.push_back(d.vocab.decode(b.output()));
    beam_exact += std::find(r.begin(), r.end(), beam_hyps.back()) != r.end();
  }
  const double seconds = attn::train::seconds_since(t0);
  const auto g = c.model->greedy(attn::data::gather_images(split.images, [&] {
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < n; ++i) rows.push_back(i);
    return rows;
  }()), s.max_len);
  for (int64_t i = 0; i < n; ++i) {
    greedy_hyps.push_back(d.vocab.decode(g[size_t(i)].output()));
    const auto& r = split.refs[size_t(i)];
    greedy_exact += std::find(r.begin(), r.end(), greedy_hyps.back()) != r.end();
  }
  const double dn = static_cast<double>(std::max<int64_t>(1, n));
  return {{"images", n},
          {"width", s.beam_width},
          {"alpha", s.beam_alpha},
          {"beam", {{"bleu4", attn::train::corpus_bleu(refs, beam_hyps).bleu[3]},
                    {"exact", static_cast<double>(beam_exact) / dn},
                    {"seconds", seconds}}},
          {"greedy", {{"bleu4", attn::train::corpus_bleu(refs, greedy_hyps).bleu[3]},
                      {"exact", static_cast<double>(greedy_exact) / dn}}}};
}

Scores train_and_evaluate(std::vector<Contender>& models, const CaptionData& d,
                          const Settings& s, int64_t epochs, uint64_t seed, bool beam) {
  Scores r;
  for (Contender& c : models) {
    attn::manual_seed(seed + 1);  // the same initial draws for every model
    c.model = std::make_unique<attn::models::Captioner>(
        captioner_options(s, d.vocab.size(), c.attention, c.lambda));
    std::cout << "training " << c.name << " (" << c.label << ", " << c.model->num_parameters()
              << " parameters): " << epochs << " epochs, batch " << s.batch_size << "\n";
    fit(c, d, epochs, s, seed + 101);
    const size_t n = c.cross_entropy.size();
    const size_t w = std::min(n, static_cast<size_t>(c.log.steps_per_epoch));
    std::cout << "  " << attn::train::fmt("%.1f", c.log.seconds) << " s ("
              << attn::train::fmt("%.1f", c.log.cpu_seconds)
              << " s of CPU), last epoch's cross entropy "
              << attn::train::fmt("%.4f", attn::train::mean_loss(c.cross_entropy, n - w, n))
              << "\n";
    r.val[c.name] = evaluate(c, d, d.val, s);
    if (d.val.grounded()) {
      r.novel[c.name] = evaluate(c, d, d.novel, s);
      r.crowded[c.name] = evaluate(c, d, d.crowded, s);
    }
    if (beam && s.beam_images > 0 && c.name != "lambda_0")
      r.beam[c.name] = beam_scores(c, d, d.val, s.beam_images, s);
  }
  return r;
}
