#pragma once
// Checkpoints: a module's state_dict (parameters and buffers, under
// PyTorch's dotted names) in a safetensors file.
//
//   train::save_checkpoint(model, "out/model.safetensors", {{"step", "1200"}});
//   train::load_checkpoint(model, "out/model.safetensors");
//
// Because the names and shapes are PyTorch's, the same file loads into the
// equivalent torch.nn.Module with load_state_dict(strict=True), and a file
// written from PyTorch loads here.
#include <filesystem>

#include "layers/module.h"
#include "train/io/safetensors.h"

namespace attn::train {

// Writes model.state_dict() atomically (see save_safetensors).
void save_checkpoint(const nn::Module& model, const std::filesystem::path& path,
                     const Metadata& metadata = {});

// Loads strictly: every state_dict entry must be in the file with the same
// shape, and the file must hold nothing else; otherwise an attn::Error lists
// each problem and the model is left unchanged. The values are copied into
// the model's existing tensors, so handles held elsewhere (an optimizer's)
// see them. Returns the file's metadata.
Metadata load_checkpoint(nn::Module& model, const std::filesystem::path& path);

}  // namespace attn::train
