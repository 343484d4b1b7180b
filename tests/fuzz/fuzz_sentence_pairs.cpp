// Fuzzes the sentence-pair reader (Tatoeba's tab-separated format): the
// tokenizer on the raw bytes, then the whole dataset load (line splitting,
// UTF-8 checks, length filters, the split and the vocabularies).
#include <string>

#include "data/sentence_pairs.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  attn::fuzz::expect_clean([&] { (void)attn::data::tokenize(text); });
  (void)attn::data::find_invalid_utf8(text);
  const auto path = attn::fuzz::as_file({data, size}, "pairs.txt");
  attn::fuzz::expect_clean([&] { (void)attn::data::read_pair_file(path, size % 2 == 1, 5); });
  attn::fuzz::expect_clean([&] {
    attn::data::SentencePairOptions o;
    o.max_len = 12;
    o.max_pairs = 50;
    o.test_fraction = 0.25;
    o.max_vocab = 40;
    (void)attn::data::load_sentence_pairs(path, o, /*seed=*/size);
  });
  return 0;
}
