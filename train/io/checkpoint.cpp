#include "train/io/checkpoint.h"

#include <sstream>

#include "autograd/error.h"
#include "autograd/grad_mode.h"

namespace attn::train {

void save_checkpoint(const nn::Module& model, const std::filesystem::path& path,
                     const Metadata& metadata) {
  save_safetensors(path, model.state_dict(), metadata);
}

Metadata load_checkpoint(nn::Module& model, const std::filesystem::path& path) {
  Metadata metadata;
  std::map<std::string, Tensor> file = load_safetensors(path, &metadata);
  const nn::NamedTensors state = model.state_dict();

  // Every problem is listed, then nothing is copied unless there is none: a
  // half-loaded model would train on silently wrong weights.
  std::ostringstream problems;
  int count = 0;
  auto problem = [&]() -> std::ostringstream& {
    problems << (count++ ? "; " : "");
    return problems;
  };
  std::map<std::string, bool> used;
  for (const auto& [name, t] : state) {
    auto it = file.find(name);
    if (it == file.end()) {
      problem() << "'" << name << "' (shape " << shape_str(t.shape())
                << ") is missing from the file";
      continue;
    }
    used[name] = true;
    if (it->second.shape() != t.shape())
      problem() << "'" << name << "' has shape " << shape_str(it->second.shape())
                << " in the file, the model expects " << shape_str(t.shape());
  }
  std::string unexpected;
  for (const auto& [name, _] : file)
    if (!used.count(name)) unexpected += (unexpected.empty() ? "'" : ", '") + name + "'";
  if (!unexpected.empty()) problem() << "the file has tensors the model does not: " << unexpected;
  ATTN_CHECK(count == 0, "checkpoint ", path.string(),
             " does not fit this model: ", problems.str());

  NoGradGuard no_grad;
  for (auto& [name, t] : state) {
    Tensor dst = t;  // a handle to the model's own storage
    dst.copy_(file.at(name));
  }
  return metadata;
}

}  // namespace attn::train
