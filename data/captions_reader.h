#pragma once
// Captioned photos people bring: the two JSON layouts captioning work uses, and a folder of
// images read with data/image_io.h, resized (data/image_resize.h) and normalised.
//
// COCO captions (captions_train2014.json and the like):
//   {"images": [{"id": 42, "file_name": "COCO_train2014_000000000042.jpg", ...}, ...],
//    "annotations": [{"image_id": 42, "caption": "A dog on a couch.", ...}, ...]}
// Karpathy's splits (dataset_flickr8k.json, dataset_flickr30k.json, dataset_coco.json):
//   {"images": [{"filename": "1000268201_693b08cb0e.jpg", "filepath": "val2014" (COCO only),
//               "split": "train" | "val" | "test" | "restval", "imgid": 0,
//               "sentences": [{"tokens": ["a", "child", ...], "raw": "A child ..."}, ...]}, ...]}
// Image files are found at image_dir / file_name (COCO), image_dir / filepath / filename
// (Karpathy with filepath) or image_dir / filename. Names must be relative and must not use
// "..": an absolute name or one that climbs out of image_dir is an error naming the entry.
//
// Captions are tokenised by tokenize_caption (lower case, punctuation split): the raw COCO
// caption; Karpathy's "tokens" when given, else its "raw" text.
// Images are converted to RGB, resized to size x size (the aspect ratio is not kept, as
// most captioning pipelines do) and normalised per channel: (v / 255 - mean_c) / std_c,
// ImageNet's mean and std by default.
//
//   data::CaptionImageOptions o;  o.size = 64;  o.split = "train";
//   data::CaptionedImages d = data::read_karpathy_captions("dataset_flickr8k.json",
//                                                          "Flicker8k_Dataset", o);
//   d.images;       // [N, 3, 64, 64]
//   d.captions[i];  // the references of image i, as tokens
//
// Errors: a malformed file throws attn::Error naming the file and the JSON path
// ("captions.json: annotations[3].image_id: 17 is not the id of any image in images[]"),
// a missing or unreadable image names the image file and the entry that asked for it.
// Nothing is returned half-loaded: everything is read into locals first.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "data/caption_batch.h"
#include "data/image_io.h"

namespace attn::data {

struct CaptionImageOptions {
  int size = 64;  // images become size x size
  std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};
  std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
  std::string split;       // Karpathy: keep only this split ("train", "val", ...); "" = all
  int64_t max_images = 0;  // keep the first max_images images (after the split); 0 = all
};

struct CaptionedImages {
  Tensor images;                              // [N, 3, size, size], normalised
  ImageCaptions captions;                     // captions[i]: image i's references, tokenised
  std::vector<std::vector<std::string>> raw;  // the same captions as written
  std::vector<std::filesystem::path> files;   // image i's file
  std::vector<int64_t> ids;                   // COCO "id" / Karpathy "imgid" (its index if absent)
  std::vector<std::string> splits;            // Karpathy "split"; "" for COCO
  int64_t size() const { return static_cast<int64_t>(files.size()); }
};

// Images without any caption are left out (an official test set lists images only).
CaptionedImages read_coco_captions(const std::filesystem::path& json_file,
                                   const std::filesystem::path& image_dir,
                                   const CaptionImageOptions& options = {});
// Images without sentences are left out.
CaptionedImages read_karpathy_captions(const std::filesystem::path& json_file,
                                       const std::filesystem::path& image_dir,
                                       const CaptionImageOptions& options = {});

// One image as a normalised [3, size, size] tensor (RGB; grey is repeated, alpha dropped).
Tensor image_to_tensor(const Image& image, int size, const std::array<float, 3>& mean,
                       const std::array<float, 3>& std);

}  // namespace attn::data
