// Exercise 1's GRU, registered as the recurrent kind "gru" of the library's seq2seq models
// (models/recurrent_registry.h): linked into a program, this file lets
// Seq2SeqOptions::cell("gru"), or {"cell": "gru"} in tutorials 02 and 03, build an encoder
// from your GRU and a decoder from your GRUCell. The library itself ships no GRU: the one used
// is whatever exercises/01_gru/gru.cpp (yours) or solution/gru.cpp holds.
//
//   encoder   GRU(E, H): x [B, S, E], lengths [B] -> output [B, S, H], {h_n [1, B, H]}
//   decoder   GRUCell(I, H), state {h} [B, H], stepped through nn::RecurrentCell
#include <memory>

#include "exercises/01_gru/gru.h"
#include "models/recurrent_registry.h"

namespace attn::exercises {
namespace {

models::RecurrentEncoder make_gru_encoder(int64_t input_size, int64_t hidden_size) {
  auto gru = std::make_shared<GRU>(nn::RecurrentOptions(input_size, hidden_size));
  const GRU* layer = gru.get();  // owned by `module`, which the model keeps
  return {gru, [layer](const Tensor& x, const Tensor& lengths) {
            const auto [output, h_n] = layer->forward(x, Tensor(), lengths);
            return nn::RecurrentLayersOutput{output, {h_n}};
          }};
}

models::RecurrentDecoder make_gru_decoder(int64_t input_size, int64_t hidden_size) {
  auto cell = std::make_shared<GRUCell>(nn::RecurrentCellOptions(input_size, hidden_size));
  const nn::RecurrentCell* as_cell = cell.get();
  return {cell, as_cell};
}

// Runs when the program starts: only the factories are stored; nothing is built until a model
// asks for "gru".
[[maybe_unused]] const bool registered =
    models::register_recurrent("gru", {make_gru_encoder, make_gru_decoder});

}  // namespace
}  // namespace attn::exercises
