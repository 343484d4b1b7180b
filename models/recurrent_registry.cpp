// The registry of recurrent kinds: see models/recurrent_registry.h.
#include "models/recurrent_registry.h"

#include <map>
#include <utility>

#include "layers/lstm.h"

namespace attn::models {

namespace {

RecurrentEncoder make_lstm_encoder(int64_t input_size, int64_t hidden_size) {
  auto lstm = std::make_shared<nn::LSTM>(nn::LSTMOptions(input_size, hidden_size));
  const nn::LSTM* layer = lstm.get();  // owned by `module`, which the model keeps
  return {lstm, [layer](const Tensor& x, const Tensor& lengths) {
            return layer->run(x, {}, lengths);
          }};
}

RecurrentDecoder make_lstm_decoder(int64_t input_size, int64_t hidden_size) {
  auto cell = std::make_shared<nn::LSTMCell>(nn::LSTMCellOptions(input_size, hidden_size));
  const nn::RecurrentCell* as_cell = cell.get();
  return {cell, as_cell};
}

// A function's static, made on first use: a registrar in another file may run before this
// file's globals are made.
std::map<std::string, RecurrentFactory>& registry() {
  static std::map<std::string, RecurrentFactory> kinds = {
      {"lstm", RecurrentFactory{make_lstm_encoder, make_lstm_decoder}}};
  return kinds;
}

}  // namespace

bool register_recurrent(const std::string& name, RecurrentFactory factory) {
  ATTN_CHECK(!name.empty() && factory.encoder && factory.decoder,
             "register_recurrent: a kind needs a name, an encoder and a decoder factory");
  registry()[name] = std::move(factory);
  return true;
}

const RecurrentFactory& recurrent_factory(const std::string& name) {
  const auto& kinds = registry();
  const auto it = kinds.find(name);
  if (it != kinds.end()) return it->second;
  if (name == "gru")
    fail("cell \"gru\" is exercise 1 (exercises/01_gru), and this program was built without it:"
         " write exercises/01_gru/gru.cpp, then run scripts/exercise 1 --tutorial 02 (or 03)");
  std::string known;
  for (const auto& [k, f] : kinds) known += (known.empty() ? "\"" : ", \"") + k + "\"";
  fail("cell \"", name, "\": unknown; the known cells are ", known,
       kinds.count("gru") ? "" : " (and \"gru\", exercise 1, once it is linked in)");
}

std::vector<std::string> recurrent_names() {
  std::vector<std::string> names;
  for (const auto& [k, f] : registry()) names.push_back(k);
  return names;
}

}  // namespace attn::models
