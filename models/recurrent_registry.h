#pragma once
// The recurrent layers a sequence-to-sequence model is built from, chosen by name
// (Seq2SeqOptions::cell): an encoder layer that reads a whole sequence and a decoder cell that
// is stepped one token at a time. "lstm" (nn::LSTM and nn::LSTMCell) is built in; another kind
// registers itself when its file is linked into the program, as exercise 1's GRU does
// (exercises/01_gru/seq2seq/register_gru.cpp), so the library never has to know it.
//
// Shapes (B batch, S time, I input size, H hidden size):
//   encoder.run   x [B, S, I], lengths [B] -> output [B, S, H] (0 past each row's length),
//                 final state [1, B, H] per state member ({h} GRU, {h, c} LSTM)
//   decoder.cell  a RecurrentCell I -> H: input_gates, step and output (layers/recurrent.h)
//
//   models::register_recurrent("gru", {make_gru_encoder, make_gru_decoder});
//   Seq2SeqOptions(src_vocab, tgt_vocab).cell("gru");   // the models look the name up
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "autograd/error.h"
#include "autograd/tensor.h"
#include "layers/module.h"
#include "layers/recurrent.h"

namespace attn::models {

// A recurrent layer reading the whole source: the module owns the parameters (registered by
// the model as "encoder"), `run` drives it.
struct RecurrentEncoder {
  std::shared_ptr<nn::Module> module;
  std::function<nn::RecurrentLayersOutput(const Tensor& x, const Tensor& lengths)> run;
  // The module as its own type, e.g. encoder.as<nn::LSTM>(); attn::Error if it is another.
  template <class M>
  M& as() const {
    auto* m = dynamic_cast<M*>(module.get());
    ATTN_CHECK(m != nullptr, "Seq2Seq: the encoder is a ", module->type_name(),
               ", not the type asked for");
    return *m;
  }
};

// A recurrent cell the decoder steps: the module owns the parameters (registered as
// "decoder"), `cell` is the same object seen as a RecurrentCell.
struct RecurrentDecoder {
  std::shared_ptr<nn::Module> module;
  const nn::RecurrentCell* cell = nullptr;
  template <class M>
  M& as() const {
    auto* m = dynamic_cast<M*>(module.get());
    ATTN_CHECK(m != nullptr, "Seq2Seq: the decoder cell is a ", module->type_name(),
               ", not the type asked for");
    return *m;
  }
};

// How to make one kind's encoder layer and decoder cell for the given sizes.
struct RecurrentFactory {
  std::function<RecurrentEncoder(int64_t input_size, int64_t hidden_size)> encoder;
  std::function<RecurrentDecoder(int64_t input_size, int64_t hidden_size)> decoder;
};

// Adds (or replaces) a kind under `name`. Returns true, so a file can register at load time:
//   const bool registered = models::register_recurrent("gru", {...});
bool register_recurrent(const std::string& name, RecurrentFactory factory);
// The kind called `name`; attn::Error names the known kinds (and, for "gru", says how to link
// exercise 1's GRU in) otherwise.
const RecurrentFactory& recurrent_factory(const std::string& name);
// The registered names, sorted ("lstm" always among them).
std::vector<std::string> recurrent_names();

}  // namespace attn::models
