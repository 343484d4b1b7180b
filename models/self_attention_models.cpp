// The taggers of tutorial 04; see the header for the equations and shapes.
#include "models/self_attention_models.h"

#include <string>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "layers/layer_norm.h"
#include "layers/losses.h"

namespace attn::models {

namespace {

// tokens [B, n] and lengths [B] as every tagger wants them.
void check_inputs(const char* who, const Tensor& tokens, const Tensor& lengths, int64_t vocab) {
  ATTN_CHECK(tokens.defined() && tokens.dim() == 2 && tokens.size(1) >= 1, who,
             ": tokens must be [B, n] with n >= 1, got ",
             tokens.defined() ? shape_str(tokens.shape()) : std::string("undefined"));
  ATTN_CHECK(lengths.defined() && lengths.dim() == 1 && lengths.size(0) == tokens.size(0), who,
             ": lengths must be [B] with B = ", tokens.size(0), " (the rows of tokens), got ",
             lengths.defined() ? shape_str(lengths.shape()) : std::string("undefined"));
  const real* t = tokens.data();
  for (int64_t i = 0; i < tokens.numel(); ++i)
    ATTN_CHECK(t[i] >= 0 && t[i] < vocab && t[i] == static_cast<real>(static_cast<int64_t>(t[i])),
               who, ": token id ", t[i], " at flat index ", i, " is not a whole number in [0, ",
               vocab, ")");
}

}  // namespace

Tensor padding_mask(const Tensor& lengths, int64_t n) {
  ATTN_CHECK(lengths.defined() && lengths.dim() == 1, "padding_mask: lengths must be [B], got ",
             lengths.defined() ? shape_str(lengths.shape()) : std::string("undefined"));
  const int64_t B = lengths.size(0);
  Tensor mask = Tensor::zeros({B, n});
  for (int64_t b = 0; b < B; ++b) {
    const real len = lengths.data()[b];
    ATTN_CHECK(len >= 1 && len <= n && len == static_cast<real>(static_cast<int64_t>(len)),
               "padding_mask: lengths[", b, "] = ", len, " is not a whole number in [1, ", n, "]");
    for (int64_t i = static_cast<int64_t>(len); i < n; ++i) mask.data()[b * n + i] = 1;
  }
  return mask;
}

Tensor tagging_loss(const Tensor& logits, const Tensor& targets) {
  ATTN_CHECK(logits.defined() && targets.defined() && logits.dim() == 3 && targets.dim() == 2 &&
                 logits.size(0) == targets.size(0) && logits.size(1) == targets.size(1),
             "tagging_loss: logits [B, n, C] and targets [B, n] expected, got ",
             logits.defined() ? shape_str(logits.shape()) : std::string("undefined"), " and ",
             targets.defined() ? shape_str(targets.shape()) : std::string("undefined"));
  // <pad> is id 0 in every vocabulary (data/vocab.h): those positions are not tokens.
  return nn::cross_entropy(logits, targets, nn::CrossEntropyOptions().ignore_index(0));
}

// ---- LstmTagger -------------------------------------------------------------------

namespace {
const LstmTaggerOptions& checked(const LstmTaggerOptions& o) {
  ATTN_CHECK(o.vocab_size() > 0 && o.num_classes() > 0 && o.embedding_dim() > 0 &&
                 o.hidden_size() > 0 && o.d_k() > 0 && o.d_v() > 0 && o.head_hidden() > 0 &&
                 o.qk_init_gain() > 0,
             "LstmTagger: every size must be > 0; got vocab_size ", o.vocab_size(),
             ", num_classes ", o.num_classes(), ", embedding_dim ", o.embedding_dim(),
             ", hidden_size ", o.hidden_size(), ", d_k ", o.d_k(), ", d_v ", o.d_v(),
             ", head_hidden ", o.head_hidden(), ", qk_init_gain ", o.qk_init_gain());
  return o;
}
// The head reads X, and Z beside it when there is self-attention.
int64_t head_input(const LstmTaggerOptions& o) {
  return o.d_model() + (o.self_attention() ? o.d_v() : 0);
}
}  // namespace

LstmTagger::LstmTagger(const LstmTaggerOptions& opts)
    : Module(opts.self_attention() ? "LstmSelfAttentionTagger" : "LstmTagger"),
      options(checked(opts)),
      embedding(nn::EmbeddingOptions(opts.vocab_size(), opts.embedding_dim()).padding_idx(0)),
      lstm(nn::LSTMOptions(opts.embedding_dim(), opts.hidden_size())
               .bidirectional(opts.bidirectional())),
      head_hidden(nn::LinearOptions(head_input(opts), opts.head_hidden())),
      classifier(nn::LinearOptions(opts.head_hidden(), opts.num_classes())) {
  register_module("embedding", embedding);
  register_module("lstm", lstm);
  if (opts.self_attention()) {
    self_attn = std::make_unique<nn::SelfAttention>(
        nn::SelfAttentionOptions(opts.d_model(), opts.d_k(), opts.d_v()));
    register_module("self_attn", *self_attn);
    if (opts.qk_init_gain() != 1.0) {  // xavier_uniform's bound times the gain
      const auto g = static_cast<real>(opts.qk_init_gain());
      for (Tensor* W : {&self_attn->W_Q, &self_attn->W_K})
        for (int64_t i = 0; i < W->numel(); ++i) W->data()[i] *= g;
    }
    if (opts.qk_tied_init()) {  // W^K starts equal to W^Q: Q K^T starts symmetric
      Tensor& W_K = self_attn->W_K;
      const Tensor& W_Q = self_attn->W_Q;
      for (int64_t i = 0; i < W_K.numel(); ++i) W_K.data()[i] = W_Q.data()[i];
    }
  }
  register_module("head_hidden", head_hidden);
  register_module("classifier", classifier);
}

TaggerOutput LstmTagger::forward(const Tensor& tokens, const Tensor& lengths) const {
  check_inputs("LstmTagger", tokens, lengths, options.vocab_size());
  const int64_t B = tokens.size(0), n = tokens.size(1);
  const Tensor pad = padding_mask(lengths, n);  // checks the lengths too
  // X: the RNN outputs, zero past each row's length (the LSTM runs each row to its end only).
  auto [X, state] = lstm(embedding(tokens), {}, lengths);  // [B, n, d_model]
  TaggerOutput out;
  Tensor features = X;
  if (self_attn) {
    // Q = X W^Q, K = X W^K, V = X W^V; A = softmax(Q K^T / sqrt(d_k)) is [B, n, n].
    nn::AttentionMask mask;
    mask.key_padding = pad;
    if (!options.attend_to_self()) {
      // A lone token would have no key left to attend to (a row of NaN).
      for (int64_t b = 0; b < B; ++b)
        ATTN_CHECK(lengths.data()[b] >= 2, "LstmTagger: lengths[", b, "] = ", lengths.data()[b],
                   ", but with attend_to_self(false) every row needs at least 2 tokens (a "
                   "position may only attend to the others)");
      mask.attn = Tensor::zeros({n, n});  // [n, n], 1 = excluded: the diagonal
      for (int64_t i = 0; i < n; ++i) mask.attn.data()[i * n + i] = 1;
    }
    // Padded positions are all zero and stay zero under layer_norm (x - mu = 0).
    const Tensor X_in = options.normalize_x() ? nn::layer_norm(X, {X.size(2)}) : X;
    auto [Z, A] = self_attn->forward(X_in, mask);
    features = concat({X, Z}, 2);  // [B, n, d_model + d_v]
    out.attention.push_back(reshape(A, {B, 1, n, n}));
  }
  // A hidden layer in the head: whether a letter repeats is a comparison (does Z differ from
  // what X alone would give?), which one linear map cannot make; relu learned it faster
  // than tanh here.
  out.logits = classifier(relu(head_hidden(features)));
  return out;
}

// ---- TransformerTagger ------------------------------------------------------------

namespace {
const TransformerTaggerOptions& checked(const TransformerTaggerOptions& o) {
  ATTN_CHECK(o.vocab_size() > 0 && o.num_classes() > 0 && o.d_model() > 0 && o.num_heads() > 0 &&
                 o.num_layers() > 0 && o.dim_feedforward() > 0 && o.max_len() > 0,
             "TransformerTagger: every size must be > 0; got vocab_size ", o.vocab_size(),
             ", num_classes ", o.num_classes(), ", d_model ", o.d_model(), ", num_heads ",
             o.num_heads(), ", num_layers ", o.num_layers(), ", dim_feedforward ",
             o.dim_feedforward(), ", max_len ", o.max_len());
  ATTN_CHECK(o.d_model() % o.num_heads() == 0, "TransformerTagger: d_model = ", o.d_model(),
             " is not divisible by num_heads = ", o.num_heads());
  return o;
}
}  // namespace

TransformerTagger::TransformerTagger(const TransformerTaggerOptions& opts)
    : Module("TransformerTagger"),
      options(checked(opts)),
      embedding(nn::EmbeddingOptions(opts.vocab_size(), opts.d_model()).padding_idx(0)),
      positions(nn::PositionalEncodingOptions(opts.d_model()).max_len(opts.max_len())),
      classifier(nn::LinearOptions(opts.d_model(), opts.num_classes())) {
  register_module("embedding", embedding);
  register_module("positions", positions);
  for (int64_t l = 0; l < opts.num_layers(); ++l) {
    layer.push_back(std::make_shared<nn::TransformerEncoderLayer>(
        nn::TransformerEncoderLayerOptions(opts.d_model(), opts.num_heads())
            .dim_feedforward(opts.dim_feedforward())
            .dropout(opts.dropout())));
    layers.push_back(layer.back());
  }
  register_module("layers", layers);
  register_module("classifier", classifier);
}

TaggerOutput TransformerTagger::forward(const Tensor& tokens, const Tensor& lengths) const {
  check_inputs("TransformerTagger", tokens, lengths, options.vocab_size());
  const int64_t n = tokens.size(1);
  ATTN_CHECK(n <= options.max_len(), "TransformerTagger: sequence length ", n,
             " exceeds max_len = ", options.max_len(), " of the positional table");
  nn::MultiheadAttentionArgs args;
  args.key_padding_mask = padding_mask(lengths, n);
  args.average_attn_weights = false;  // one map per head: [B, h, n, n]
  // Attention alone is blind to order; the sinusoids tell each position where it is.
  Tensor x = positions(embedding(tokens));  // [B, n, d_model]
  TaggerOutput out;
  for (const auto& l : layer) {
    nn::AttentionOutput r = l->forward_with_weights(x, args);
    x = r.output;
    out.attention.push_back(r.weights);
  }
  out.logits = classifier(x);
  return out;
}

}  // namespace attn::models
