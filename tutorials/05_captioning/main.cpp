// Tutorial 05: image captioning (Vinyals et al. 2015; Xu et al. 2015).
//
//   build/bin/05_captioning [--quick] [--config FILE.json] [--out DIR] [--seed N]
//                           [--threads N] [--data DIR]
//
// A CNN turns an image into a grid of L feature vectors a_1..a_L, each standing for one
// region of the picture. Show and Tell averages them into one vector and hands it to an LSTM
// before the first word; after that the decoder never sees the image again. Show, Attend
// and Tell keeps the grid, and at every word t weighs the regions by attention:
//     e_ti = v^T tanh(W h_{t-1} + U a_i),   alpha_t = softmax_i(e_ti),
//     beta_t = sigmoid(f_beta(h_{t-1})),     z_t = beta_t sum_i alpha_ti a_i,
// and reads z_t with the word. The run opens with one such step on one scene, by hand
// beside the model's own. Then the experiment: both models trained on the same generated
// scenes ("a small red circle left of a large blue square"), the same steps and batches,
// and judged on held-out scenes of 2-3 objects (val), on colour-shape combinations never
// seen in training (novel), and on scenes with more objects than training showed
// (crowded): BLEU, exact match, the attributes named, and for attention where it looked
// (attention correctness against the objects' boxes). A third model without the doubly
// stochastic regulariser (lambda = 0) shows what the regulariser does. Then the failures.
// Where Debian's Fashion-MNIST is installed, the full run trains the two models again on
// composites of real pictures (data/fashion_scenes.h). With --data DIR they train on a
// COCO-style or Karpathy captions file and its images instead (no boxes: no attention
// correctness).
//
// The files: main.cpp (this: the idea, then the experiment); captioning.h (the
// declarations and the config keys); settings.cpp; data.cpp (the scenes, --data);
// evaluate.cpp (training, decoding, the scores and the failure checks); report.cpp
// (figures, checkpoints, metrics.json, index.html).
#include <cmath>
#include <cstdio>
#include <iostream>

#include "autograd/autograd.h"
#include "captioning.h"
#include "train/run/guarded_main.h"
#include "train/run/scoped_seed.h"
#include "train/run/text_format.h"
#include "train/run/tutorial_start.h"

using attn::Tensor;
using attn::train::fmt;

namespace {

// ---- the lecture's step: the grid of regions, the pooled vector, one attention step -------

// One val image through untrained models: the CNN's grid a [1, L, D]; Show and Tell's one
// pooled vector; and Show, Attend and Tell's first step worked out from its layers (alpha
// over the L regions, beta, z_1) beside what the model's own step computes.
void show_one_attention_step(const CaptionData& d, const Settings& s, uint64_t seed) {
  attn::train::ScopedSeed own_draws(seed);  // the experiment's draws stay as if this never ran
  attn::models::Captioner sat(captioner_options(s, d.vocab.size(), true, s.doubly_stochastic));
  attn::models::Captioner show_tell(captioner_options(s, d.vocab.size(), false, 0));
  sat.eval(), show_tell.eval();
  attn::NoGradGuard no_grad;
  const Tensor x = attn::data::gather_images(d.val.images, {0});
  const attn::models::ImageFeatures f = sat.encode(x);
  const int64_t L = f.a.size(1), D = f.a.size(2);
  std::cout << "\none image, untrained models: \""
            << attn::data::join_tokens(d.val.refs[0][0]) << "\"\n  image "
            << attn::shape_str(x.shape()) << " -> CNN (" << s.channels.size()
            << " blocks of conv 3x3, BatchNorm, ReLU, max pool 2x2) -> a grid of " << f.grid_h
            << " x " << f.grid_w << " regions, each a D = " << D << " vector:  a "
            << attn::shape_str(f.a.shape()) << "  (L = " << L << "; region i covers "
            << x.size(2) / f.grid_h << " x " << x.size(3) / f.grid_w << " pixels)\n";
  // Show and Tell: the mean of the grid is all the decoder gets.
  const Tensor v = show_tell.encode(x).a.mean({1});     // [1, D]
  const Tensor x_img = (*show_tell.image_in)(v);        // [1, E]
  std::cout << "  Show and Tell: v = mean_i a_i " << attn::shape_str(v.shape())
            << " -> x_-1 = W_I v " << attn::shape_str(x_img.shape())
            << ", the LSTM's one look at the picture. Where things are is averaged away.\n";
  // Show, Attend and Tell, step t = 1, from its layers.
  const Tensor mean_a = f.a.mean({1});                                     // [1, D]
  const Tensor h0 = (*sat.init_h)(mean_a).tanh();                          // [1, H]
  const attn::nn::AdditiveAttention& att = *sat.attention;
  const Tensor e = att.v(attn::tanh(att.W(h0).unsqueeze(1) + att.U(f.a))).squeeze(2);  // [1, L]
  const Tensor alpha = attn::softmax(e, 1);                                // [1, L], sums to 1
  const Tensor beta = (*sat.f_beta)(h0).sigmoid();                         // [1, 1]
  const Tensor z = attn::matmul(alpha.unsqueeze(1), f.a).squeeze(1) * beta;  // [1, D]
  const Tensor bos = Tensor::from_vector({static_cast<attn::real>(attn::data::kBos)}, {1});
  const attn::models::CaptionStep step = sat.step(bos, sat.initial_state(f), f);
  double sum = 0, worst = 0;
  for (int64_t i = 0; i < L; ++i) {
    sum += alpha.data()[i];
    worst = std::max<double>(worst, std::abs(alpha.data()[i] - step.alpha.data()[i]));
  }
  std::cout << "  Show, Attend and Tell, t = 1: h_0 = tanh(W_h mean_i a_i) "
            << attn::shape_str(h0.shape()) << "\n    e_i = v^T tanh(W h_0 + U a_i) "
            << attn::shape_str(e.shape()) << ",  alpha = softmax_i(e_i) "
            << attn::shape_str(alpha.shape()) << ", sum_i alpha_i = " << fmt("%.4f", sum)
            << "\n    beta = sigmoid(f_beta(h_0)) = " << fmt("%.3f", beta.item())
            << ",  z_1 = beta sum_i alpha_i a_i " << attn::shape_str(z.shape())
            << "\n    alpha by hand and by Captioner::step differ by at most "
            << fmt("%.1e", worst) << "; laid out as the " << f.grid_h << " x " << f.grid_w
            << " grid (uniform: " << fmt("%.3f", 1.0 / double(L)) << "):\n";
  for (int64_t r = 0; r < f.grid_h; ++r) {
    std::printf("     ");
    for (int64_t c = 0; c < f.grid_w; ++c) std::printf(" %6.3f", alpha.data()[r * f.grid_w + c]);
    std::printf("\n");
  }
  std::cout << "  Untrained, alpha is nearly flat: training teaches each word where to look.\n\n";
}

// ---- the experiment --------------------------------------------------------------------------

// What --help says under the usage line.
constexpr const char* kAbout =
    "Image captioning: Show and Tell (one pooled image vector) against Show, Attend and Tell "
    "(soft attention over the CNN's grid of regions at every word), on generated scenes of "
    "shapes, with held-out combinations and crowded scenes; BLEU, exact match, attention "
    "correctness, the failures. --data DIR trains on a COCO or Karpathy captions file.";

void print_scores(const std::vector<Contender>& models, const Scores& r, bool grounded) {
  std::cout << "\nval, greedy decoding:        BLEU-1  BLEU-2  BLEU-3  BLEU-4   exact\n";
  for (const Contender& c : models) {
    const SplitScores& v = r.val.at(c.name);
    std::printf("  %-25s %7.1f %7.1f %7.1f %7.1f %7.3f\n", c.name.c_str(), v.bleu[0], v.bleu[1],
                v.bleu[2], v.bleu[3], v.exact);
  }
  if (!grounded) return;
  std::cout << "\nBLEU-4 / exact match by objects in the scene (val, and crowded: "
            << r.crowded.begin()->second.by_objects.begin().key() << "), and held-out "
            << "combinations (novel):\n  model                    ";
  for (const auto& [n, _] : r.val.begin()->second.by_objects.items())
    std::printf("  %s objects     ", n.c_str());
  std::printf("  %s objects     ", r.crowded.begin()->second.by_objects.begin().key().c_str());
  std::printf("  novel\n");
  for (const Contender& c : models) {
    std::printf("  %-25s", c.name.c_str());
    for (const auto* split : {&r.val.at(c.name), &r.crowded.at(c.name)})
      for (const auto& [n, v] : split->by_objects.items())
        std::printf("  %5.1f / %5.3f  ", v["bleu4"].get<double>(), v["exact"].get<double>());
    const SplitScores& nv = r.novel.at(c.name);
    std::printf("  %5.1f / %5.3f\n", nv.bleu[3], nv.exact);
  }
  std::cout << "\nattributes named right (val):  shape  colour  size  place\n";
  for (const Contender& c : models) {
    const auto& a = r.val.at(c.name).attributes;
    std::printf("  %-25s", c.name.c_str());
    for (const char* k : {"shape", "colour", "size", "place"})
      std::cout << "  " << (a[k].is_null() ? std::string("    -") : fmt("%5.3f", a[k].get<double>()));
    std::cout << "   (" << a["phrases"].get<double>() << " phrases, " << a["relations"].get<double>()
              << " relations between two objects it named)\n";
  }
  std::cout << "\nattention correctness (Liu et al. 2017): the share of a named object's "
               "attention inside its box (val / crowded)\n";
  for (const Contender& c : models) {
    const auto& v = r.val.at(c.name).correctness;
    const auto& k = r.crowded.at(c.name).correctness;
    if (v.is_null()) continue;
    std::printf("  %-25s %5.3f (uniform attention: %5.3f) / %5.3f (uniform %5.3f), %lld words\n",
                c.name.c_str(), v["score"].get<double>(), v["uniform"].get<double>(),
                k.is_null() ? 0.0 : k["score"].get<double>(),
                k.is_null() ? 0.0 : k["uniform"].get<double>(),
                static_cast<long long>(v["words"].get<int64_t>()));
  }
}

int run(int argc, char** argv) {
  Results r;  // its clock starts now
  const auto opts = attn::train::start_tutorial(argc, argv, "05_captioning", "image captioning",
                                                kAbout, attn::train::DataOption::kAccepted);
  const Settings s = read_settings(opts);
  const CaptionData data = opts.data_path.empty() ? scene_data(s, opts.seed * 7 + 5)
                                                  : user_data(s, opts);
  const bool grounded = data.val.grounded();
  std::cout << "data: " << data.name << "; " << data.train.size() << " training images, "
            << data.examples.size() << " captions; " << data.val.size() << " val images"
            << (grounded ? ", " + std::to_string(data.novel.size()) + " novel, " +
                               std::to_string(data.crowded.size()) + " crowded"
                         : std::string())
            << "; vocabulary " << data.vocab.size() << " tokens\n  an image's references:\n";
  for (const auto& ref : data.train.refs[0])
    std::cout << "    " << attn::data::join_tokens(ref) << "\n";
  if (!grounded)
    std::cout << "  (no boxes in these captions: attention correctness and the attribute "
                 "checks need the generated scenes, and are skipped)\n";
  show_one_attention_step(data, s, opts.seed);

  // ---- the models: the same initial draws, the same batches, the same steps ----
  std::vector<Contender> models;
  models.push_back({"show_tell", "Show and Tell (one pooled vector)", false, 0, nullptr, {}, {}});
  models.push_back({"show_attend_tell",
                    "Show, Attend and Tell (lambda " + fmt("%g", s.doubly_stochastic) + ")", true,
                    s.doubly_stochastic, nullptr, {}, {}});
  if (s.compare_lambda_zero && s.doubly_stochastic != 0)
    models.push_back(
        {"lambda_0", "Show, Attend and Tell, lambda 0", true, 0, nullptr, {}, {}});
  r.scores = train_and_evaluate(models, data, s, s.epochs, opts.seed, /*beam=*/true);
  print_scores(models, r.scores, grounded);
  if (!r.scores.beam.empty()) {
    std::cout << "\ngreedy vs beam search (width " << s.beam_width << ", alpha " << s.beam_alpha
              << ") on the first " << r.scores.beam.begin()->second["images"].get<int64_t>()
              << " val images, BLEU-4 / exact:\n";
    for (const auto& [name, b] : r.scores.beam)
      std::printf("  %-25s greedy %5.1f / %5.3f   beam %5.1f / %5.3f\n", name.c_str(),
                  b["greedy"]["bleu4"].get<double>(), b["greedy"]["exact"].get<double>(),
                  b["beam"]["bleu4"].get<double>(), b["beam"]["exact"].get<double>());
  }
  std::cout << "\nfailures on val (automatic checks; a caption may show several):\n";
  for (const Contender& c : models)
    std::cout << "  " << c.name << ": " << r.scores.val.at(c.name).failures.dump() << "\n";

  // ---- the second experiment: the same two models on real pictures, when installed ----
  r.fashion.data = fashion_data(s, opts);
  if (r.fashion.data) {
    const CaptionData& f = *r.fashion.data;
    std::cout << "\nsecond experiment: " << f.name << "; " << f.train.size()
              << " training scenes, " << f.val.size() << " in each test split\n  e.g. "
              << attn::data::join_tokens(f.train.refs[0][0]) << "\n";
    r.fashion.models.push_back({"show_tell", models[0].label, false, 0, nullptr, {}, {}});
    r.fashion.models.push_back({"show_attend_tell", models[1].label, true, s.doubly_stochastic,
                                nullptr, {}, {}});
    r.fashion.scores = train_and_evaluate(r.fashion.models, f, s, s.fashion_epochs, opts.seed,
                                          /*beam=*/false);
    print_scores(r.fashion.models, r.fashion.scores, true);
  }

  write_outputs(opts, s, data, models, r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return attn::train::guarded_main(run, argc, argv);
}
